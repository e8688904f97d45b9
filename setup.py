import os
import re

from setuptools import find_packages, setup

here = os.path.abspath(os.path.dirname(__file__))


def read(*parts):
    with open(os.path.join(here, *parts)) as f:
        return f.read()


# Read the version without importing the package, which needs Theano.
version = re.search(r'^__version__ = "([^"]+)"$',
                    read('lasagne', '__init__.py'), re.M).group(1)

install_requires = [
    'Theano>=0.9',
    # Theano 1.0.5 works with NumPy up to 1.23: from 1.24 on, NumPy's changed
    # C API makes it skip many graph optimizations without an error.
    'numpy<1.24',
    # SciPy up to 1.12 bundles an OpenBLAS with the standard sgemm_/dgemm_
    # names; Lasagne links Theano against it when the machine has no system
    # OpenBLAS (later SciPy wheels rename the symbols).
    'scipy<1.13',
]

extras_require = {
    'test': ['pytest', 'pytest-cov', 'flake8'],
    'docs': ['sphinx', 'numpydoc', 'sphinx_rtd_theme'],
    'examples': ['scikit-learn'],
}

setup(
    name='Lasagne',
    version=version,
    description='A lightweight library to build and train neural networks '
                'in Theano',
    long_description=read('README.rst'),
    long_description_content_type='text/x-rst',
    classifiers=[
        'Development Status :: 3 - Alpha',
        'Intended Audience :: Developers',
        'Intended Audience :: Science/Research',
        'License :: OSI Approved :: MIT License',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3.11',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    keywords='',
    license='MIT',
    packages=find_packages(exclude=['*.tests', '*.tests.*']),
    include_package_data=False,
    # C sources that lasagne.theano_extensions compiles at run time
    package_data={'lasagne.theano_extensions': ['*.c']},
    zip_safe=False,
    # Theano 1.0.5 imports distutils, which Python 3.12 removed.
    python_requires='>=3.7, <3.12',
    install_requires=install_requires,
    extras_require=extras_require,
)
