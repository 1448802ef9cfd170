"""Bank-data providers. Importing this package registers every provider it contains."""

from .base import Provider, get_provider_class, provider_classes, register_provider
from . import sandbox
from . import enablebanking
from . import kontomatik
from . import gocardless
