"""
What the C ops of :mod:`lasagne.theano_extensions` share.
"""
import hashlib

__all__ = ['code_version']


def code_version(codes):
    """A digest of the C code `codes` (a string or a sequence of strings)
    for an op's ``c_code_cache_version``: it changes with the code, so that
    Theano rebuilds the module when the code changes, and is the same in
    every process (unlike ``hash()``, which Theano's ``COp`` uses and which
    changes from process to process, so that the module would be rebuilt in
    every one)."""
    if not isinstance(codes, str):
        codes = ''.join(codes)
    return hashlib.sha1(codes.encode('utf-8')).hexdigest()
