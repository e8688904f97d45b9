"""The examples in examples/, run with tiny settings and no network."""
import gzip
import http.client
import importlib.util
import os
import urllib.error

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        os.pardir, os.pardir, 'examples')


@pytest.fixture(scope='module')
def mnist():
    pytest.importorskip('sklearn')
    spec = importlib.util.spec_from_file_location(
        'mnist_example', os.path.join(EXAMPLES, 'mnist.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def idx_bytes(array):
    """`array` (uint8) in MNIST's IDX format."""
    header = bytes([0, 0, 8, array.ndim])
    header += b''.join(n.to_bytes(4, 'big') for n in array.shape)
    return header + array.tobytes()


def fake_mnist(directory, rng, num_train=60, num_test=20, size=28):
    """Write the four MNIST files with random content; returns the
    arrays."""
    arrays = {
        'train_images': rng.randint(0, 256, (num_train, size, size)),
        'train_labels': rng.randint(0, 10, num_train),
        'test_images': rng.randint(0, 256, (num_test, size, size)),
        'test_labels': rng.randint(0, 10, num_test),
    }
    for key, name in (('train_images', 'train-images-idx3-ubyte.gz'),
                      ('train_labels', 'train-labels-idx1-ubyte.gz'),
                      ('test_images', 't10k-images-idx3-ubyte.gz'),
                      ('test_labels', 't10k-labels-idx1-ubyte')):
        data = idx_bytes(arrays[key].astype(np.uint8))
        opener = gzip.open if name.endswith('.gz') else open
        with opener(os.path.join(str(directory), name), 'wb') as f:
            f.write(data)
    return arrays


def test_falls_back_to_digits_offline(mnist, tmp_path, capsys):
    accuracy = mnist.main(['--data-dir', str(tmp_path), '--no-download',
                           '--epochs', '3', '--num-units', '32'])
    out = capsys.readouterr().out
    assert "MNIST is not available; using scikit-learn's digits." in out
    assert ("Data: scikit-learn's digits, 1197 training, 300 validation, "
            "300 test images of 8x8 pixels.") in out
    for epoch in (1, 2, 3):
        assert "Epoch %d of 3 took" % epoch in out
    assert "validation accuracy" in out
    assert "Final test accuracy: %.2f %%" % (100 * accuracy) in out
    assert accuracy > 0.5  # ten classes: chance is 0.1


def test_reads_mnist_files(mnist, tmp_path, capsys):
    arrays = fake_mnist(tmp_path, np.random.RandomState(0))
    paths = mnist.find_mnist(str(tmp_path))
    np.testing.assert_array_equal(mnist.read_idx(paths['train_images']),
                                  arrays['train_images'])
    np.testing.assert_array_equal(mnist.read_idx(paths['test_labels']),
                                  arrays['test_labels'])
    (train, val, test) = mnist.load_mnist(paths)
    assert train[0].shape == (50, 1, 28, 28) and val[0].shape[0] == 10
    assert test[0].shape == (20, 1, 28, 28) and train[1].dtype == np.int32
    assert 0 <= train[0].min() and train[0].max() <= 1
    accuracy = mnist.main(['--dataset', 'mnist', '--data-dir',
                           str(tmp_path), '--epochs', '1', '--num-units',
                           '8', '--depth', '1'])
    out = capsys.readouterr().out
    assert ("Data: MNIST, 50 training, 10 validation, 20 test images of "
            "28x28 pixels.") in out
    assert 0 <= accuracy <= 1


def test_mnist_required_but_missing(mnist, tmp_path):
    with pytest.raises(SystemExit, match="MNIST not found"):
        mnist.main(['--dataset', 'mnist', '--data-dir', str(tmp_path),
                    '--no-download'])


def test_download(mnist, tmp_path, monkeypatch, capsys):
    source = tmp_path / 'source'
    source.mkdir()
    fake_mnist(source, np.random.RandomState(1))
    requested = []

    def urlopen(url, timeout):
        requested.append((url, timeout))
        if url.startswith(mnist.MNIST_MIRRORS[0]):
            raise urllib.error.URLError('unreachable')
        name = url.rsplit('/', 1)[1]
        if not os.path.exists(str(source / name)):  # the one plain file
            with open(str(source / name[:-3]), 'rb') as f:
                data = gzip.compress(f.read())
        else:
            with open(str(source / name), 'rb') as f:
                data = f.read()
        return _Response(data)

    monkeypatch.setattr(mnist.urllib.request, 'urlopen', urlopen)
    target = str(tmp_path / 'target')
    paths = mnist.download_mnist(target, timeout=2.5)
    assert paths is not None and len(paths) == 4
    assert requested[0] == (mnist.MNIST_MIRRORS[0] +
                            'train-images-idx3-ubyte.gz', 2.5)
    assert len(requested) == 5
    assert "Could not download from %s" % mnist.MNIST_MIRRORS[0] in \
        capsys.readouterr().out
    assert mnist.load_mnist(paths)[2][0].shape == (20, 1, 28, 28)
    # nothing is fetched again once the files are there
    assert mnist.download_mnist(target, timeout=2.5) == paths
    assert len(requested) == 5

    def unreachable(url, timeout):
        raise OSError('no network')

    monkeypatch.setattr(mnist.urllib.request, 'urlopen', unreachable)
    assert mnist.download_mnist(str(tmp_path / 'other'), 1.) is None


def test_download_survives_broken_responses(mnist, tmp_path, monkeypatch,
                                            capsys):
    # http.client's exceptions are not OSErrors: a response cut short
    # (IncompleteRead, raised by read()) or a garbled one (BadStatusLine,
    # raised by urlopen()) must lead to the next mirror, then to None.
    def urlopen(url, timeout):
        if url.startswith(mnist.MNIST_MIRRORS[0]):
            return _Response(http.client.IncompleteRead(b'\x1f\x8b', 100))
        raise http.client.BadStatusLine('garbled')

    monkeypatch.setattr(mnist.urllib.request, 'urlopen', urlopen)
    target = tmp_path / 'target'
    assert mnist.download_mnist(str(target), timeout=1.) is None
    out = capsys.readouterr().out
    for mirror in mnist.MNIST_MIRRORS:
        assert "Could not download from %s" % mirror in out
    assert os.listdir(str(target)) == []


class _Response(object):
    def __init__(self, data):
        self.data = data

    def read(self):
        if isinstance(self.data, Exception):
            raise self.data
        return self.data

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False
