from . import psd2_connect_wizard
