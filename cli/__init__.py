from . import rotate_secrets
