import os
import re

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

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
    # Theano 1.0.5 imports pkg_resources (for its GPU modules, which
    # theano.scan loads too); setuptools 82 removed it.
    'setuptools<82',
]

# The startup hook (_lasagne_hook.py): a .pth file at the root of the wheel,
# which pip installs into site-packages and removes again on uninstall.
# Editable installs do not carry it.
HOOK_PTH = '_lasagne_hook.pth'
HOOK_LINE = 'import _lasagne_hook; _lasagne_hook.install()\n'


class build_py_with_hook(build_py):
    def run(self):
        super().run()
        self.mkpath(self.build_lib)
        with open(os.path.join(self.build_lib, HOOK_PTH), 'w') as f:
            f.write(HOOK_LINE)

    def get_outputs(self, *args, **kwargs):
        return super().get_outputs(*args, **kwargs) + [
            os.path.join(self.build_lib, HOOK_PTH)]


extras_require = {
    'test': ['pytest', 'pytest-cov', 'flake8'],
    'docs': ['sphinx', 'numpydoc', 'sphinx_rtd_theme'],
    # The examples' data set without a download, their progress bars (they
    # fall back to plain text without tqdm) and --plot.
    'examples': ['scikit-learn', 'tqdm>=4.56', 'matplotlib'],
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
    py_modules=['_lasagne_hook'],
    cmdclass={'build_py': build_py_with_hook},
    include_package_data=False,
    # C sources that lasagne.theano_extensions compiles at run time
    package_data={'lasagne.theano_extensions': ['*.c']},
    zip_safe=False,
    # Theano 1.0.5 imports distutils, which Python 3.12 removed.
    python_requires='>=3.7, <3.12',
    install_requires=install_requires,
    extras_require=extras_require,
)
