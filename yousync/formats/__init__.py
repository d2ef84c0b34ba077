"""Date and time formats where Django's own read unnaturally (FORMAT_MODULE_PATH).

Only the names a module here defines are overridden; the rest come from Django's locale.
"""
