"""The examples in examples/, run with tiny settings and no network."""
import gzip
import http.client
import importlib.util
import io
import os
import re
import sys
import urllib.error

import numpy as np
import pytest

import lasagne

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        os.pardir, os.pardir, 'examples')
COMPILE_LINE = ("Compiling the training and validation functions (%s on a "
                "first run, seconds once Theano's cache is warm)...")


def load_example(name):
    """The module examples/`name`.py, imported as a script would be, with
    examples/ on the path for its shared helpers."""
    sys.path.insert(0, EXAMPLES)
    try:
        spec = importlib.util.spec_from_file_location(
            name + '_example', os.path.join(EXAMPLES, name + '.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(EXAMPLES)
    return module


@pytest.fixture(scope='module')
def mnist():
    pytest.importorskip('sklearn')
    return load_example('mnist')


@pytest.fixture(scope='module')
def recurrent():
    return load_example('recurrent')


@pytest.fixture(scope='module')
def progress():
    return load_example('progress')


def epoch_lines(out):
    """The lines of `out` that report an epoch."""
    return [line for line in out.splitlines() if line.startswith('Epoch ')]


def assert_compiled_first(out, first_run):
    """The compile message (saying it takes `first_run` the first time)
    comes before the first epoch, and its time just after it."""
    lines = out.splitlines()
    start = lines.index(COMPILE_LINE % first_run)
    assert re.match(r'Compiled in \d+\.\d s\.$', lines[start + 1])
    assert start < lines.index(epoch_lines(out)[0])


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


@pytest.mark.parametrize('model', ['mlp', 'custom_mlp:1,16,0.1,0.3', 'cnn'])
def test_mnist_models(mnist, model, tmp_path, capsys):
    # One short epoch on a subset of the digits (MNIST is not in tmp_path),
    # with the curves and the parameters saved.
    plot, saved = tmp_path / 'curves.png', tmp_path / 'params.npz'
    accuracy = mnist.main([model, '1', '--data-dir', str(tmp_path),
                           '--no-download', '--train-size', '300', '--plot',
                           str(plot), '--save', str(saved)])
    out = capsys.readouterr().out
    assert "MNIST is not available; using scikit-learn's digits." in out
    assert ("Data: scikit-learn's digits, 300 training, 300 validation, "
            "300 test images of 8x8 pixels.") in out
    assert_compiled_first(out, 'about a minute')
    assert re.match(r'Epoch 1 of 1 took \d+\.\d\ds: training loss '
                    r'\d\.\d{4}, validation loss \d\.\d{4}, validation '
                    r'accuracy \d+\.\d\d %$', epoch_lines(out)[0])
    # The batch normalization statistics are recomputed once, between the
    # last epoch and the test.
    order = [line.split(' ')[0] for line in out.splitlines()
             if line.startswith(('Epoch', 'Recomputed', 'Final test'))]
    assert order == ['Epoch', 'Recomputed', 'Final']
    assert "Final test accuracy: %.2f %%" % (100 * accuracy) in out
    assert 0 <= accuracy <= 1
    pyplot = pytest.importorskip('matplotlib.pyplot')
    assert pyplot.imread(str(plot)).shape == (300, 800, 4)
    build, kwargs = mnist.parse_model(model)
    params = lasagne.layers.get_all_params(build((1, 8, 8), **kwargs))
    with np.load(str(saved)) as f:
        assert [f['arr_%d' % i].shape for i in range(len(f.files))] == \
            [param.get_value().shape for param in params]


def layer_summary(network):
    """(class name, detail) of every layer of `network` but the input."""
    details = {'DenseLayer': 'num_units', 'Conv2DLayer': 'num_filters',
               'DropoutLayer': 'p', 'MaxPool2DLayer': 'pool_size'}
    return [(type(layer).__name__,
             getattr(layer, details.get(type(layer).__name__, ''), None))
            for layer in lasagne.layers.get_all_layers(network)[1:]]


def hidden(layer, size, dropout):
    """The summary of a batch-normalized `layer` and its dropout."""
    return [(layer, size), ('BatchNormLayer', None),
            ('NonlinearityLayer', None)] + \
        ([('DropoutLayer', dropout)] if dropout else [])


@pytest.mark.parametrize('model, layers', [
    ('mlp', [('DropoutLayer', 0.2)] + 2 * hidden('DenseLayer', 256, 0.2) +
     [('DenseLayer', 10)]),
    ('custom_mlp:1,20,0,0.5', hidden('DenseLayer', 20, 0.5) +
     [('DenseLayer', 10)]),
    ('custom_mlp:0,5,0.1,0', [('DropoutLayer', 0.1), ('DenseLayer', 10)]),
    ('cnn', 2 * (hidden('Conv2DLayer', 32, 0) + [('MaxPool2DLayer', (2, 2))])
     + [('DropoutLayer', 0.5)] + hidden('DenseLayer', 256, 0.5) +
     [('DenseLayer', 10)]),
])
def test_mnist_model_layers(mnist, model, layers):
    build, kwargs = mnist.parse_model(model)
    network = build((1, 28, 28), **kwargs)
    assert layer_summary(network) == layers
    assert network.nonlinearity is lasagne.nonlinearities.softmax


@pytest.mark.parametrize('argv, message', [
    (['rnn'], "the model is mlp, custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID or "
     "cnn; got 'rnn'"),
    (['custom_mlp:2,256'], "custom_mlp takes DEPTH,WIDTH,DROP_IN,DROP_HID"),
    (['custom_mlp:2,wide,0,0'], "got 'custom_mlp:2,wide,0,0'"),
    (['custom_mlp:2,256,1,0'], "two dropout probabilities in [0, 1)"),
    (['custom_mlp:-1,256,0,0'], "a depth >= 0"),
    (['mlp', '3', '--epochs', '4'], "give the number of epochs once"),
    (['mlp', '-1'], "the number of epochs must be >= 0"),
    (['mlp', '0', '--plot', 'x.png'], "--plot needs at least one epoch"),
    (['--train-size', '0'], "--train-size must be >= 1"),
])
def test_mnist_bad_arguments(mnist, argv, message, capsys):
    with pytest.raises(SystemExit):
        mnist.parse_args(argv)
    assert message in capsys.readouterr().err


def test_mnist_epochs_argument(mnist):
    assert mnist.parse_args([]).epochs == mnist.DEFAULT_EPOCHS
    assert mnist.parse_args(['cnn', '7']).epochs == 7
    assert mnist.parse_args(['--epochs', '7']).epochs == 7


def test_mnist_learns_and_reloads(mnist, tmp_path, capsys):
    saved = str(tmp_path / 'params.npz')
    options = ['--data-dir', str(tmp_path), '--no-download']
    accuracy = mnist.main(['custom_mlp:2,32,0.2,0.2', '--epochs', '3',
                           '--save', saved] + options)
    assert len(epoch_lines(capsys.readouterr().out)) == 3
    assert accuracy > 0.5  # ten classes: chance is 0.1
    # tested again without training, the saved network scores the same
    assert mnist.main(['custom_mlp:2,32,0.2,0.2', '0', '--load', saved] +
                      options) == accuracy
    out = capsys.readouterr().out
    assert epoch_lines(out) == [] and 'Recomputed' not in out


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
    accuracy = mnist.main(['custom_mlp:1,8,0,0', '1', '--dataset', 'mnist',
                           '--data-dir', str(tmp_path)])
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


def test_recurrent_learns(recurrent, capsys):
    costs = recurrent.main(['--epochs', '4', '--num-train', '400',
                            '--num-val', '100', '--min-length', '4',
                            '--max-length', '8', '--num-units', '8',
                            '--batch-size', '20', '--learning-rate', '0.02'])
    out = capsys.readouterr().out
    baseline = float(re.search(r'Predicting the mean costs (\d\.\d{4}) on '
                               r'the validation set\.', out).group(1))
    assert 0.1 < baseline < 0.25  # the variance of the sum, 1/6
    assert_compiled_first(out, 'a minute or two')
    lines = epoch_lines(out)
    assert len(lines) == len(costs) == 4
    for line, cost in zip(lines, costs):
        assert re.search(r"validation cost %.4f \((\d+\.\d)x below the "
                         r"mean's\)$" % cost, line)
    assert costs[-1] < costs[0]


def test_adding_problem(recurrent):
    x, mask, target = recurrent.adding_problem(
        500, 3, 9, np.random.RandomState(0))
    assert x.shape == (500, 9, 2) and mask.shape == (500, 9)
    lengths = mask.sum(axis=1)
    assert set(lengths) == set(range(3, 10))
    # the mask covers a prefix, and the padding is zero
    np.testing.assert_array_equal(mask, np.arange(9) < lengths[:, None])
    assert not x[mask == 0].any()
    # two markers, one in each half of the sequence's own length
    marked = [np.flatnonzero(row) for row in x[..., 1]]
    assert all(len(steps) == 2 for steps in marked)
    assert all(a < length // 2 <= b < length
               for (a, b), length in zip(marked, lengths))
    np.testing.assert_allclose(
        target, [x[i, steps, 0].sum() for i, steps in enumerate(marked)],
        rtol=1e-6)


def test_recurrent_network(recurrent):
    network, l_in, l_mask = recurrent.build_network(7, grad_clipping=5.)
    gru = network.input_layer
    assert isinstance(gru, lasagne.layers.GRULayer)
    assert gru.input_layers == [l_in, l_mask] and gru.grad_clipping == 5.
    assert gru.only_return_final and network.num_units == 1
    assert lasagne.layers.get_output_shape(network, {l_in: (3, 11, 2),
                                                     l_mask: (3, 11)}) == \
        (3, 1)


@pytest.mark.parametrize('argv, message', [
    (['--min-length', '1'], "need 2 <= --min-length <= --max-length"),
    (['--min-length', '9', '--max-length', '5'], "need 2 <= --min-length"),
    (['--num-units', '0'], "--num-units must be >= 1"),
])
def test_recurrent_bad_arguments(recurrent, argv, message, capsys):
    with pytest.raises(SystemExit):
        recurrent.parse_args(argv)
    assert message in capsys.readouterr().err


class FakeClock(object):
    """A stand-in for the time module whose time() advances by `step`
    seconds per call."""
    def __init__(self, step):
        self.now, self.step = 0., step

    def time(self):
        self.now += self.step
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize('step, shown', [(0.1, False), (1., True)])
def test_plain_progress(progress, monkeypatch, step, shown):
    # The fallback without tqdm draws on a terminal only once DELAY
    # seconds have passed, and erases its line at the end.
    monkeypatch.setattr(progress, 'tqdm', None)
    monkeypatch.setattr(progress, 'time', FakeClock(step))
    stream = Terminal()
    assert list(progress.progress(iter(range(10)), 10, 'Epoch 1',
                                  stream)) == list(range(10))
    out = stream.getvalue()
    if shown:
        assert '\rEpoch 1: 10/10, 10 s' in out
        assert 'Epoch 1: 2/10' not in out  # 2 s had not passed
        assert 'Epoch 1: 3/10, 3 s' in out
        assert out.endswith(' ' * len('Epoch 1: 10/10, 10 s') + '\r')
    else:
        assert out == ''


def test_plain_progress_not_on_a_terminal(progress, monkeypatch):
    monkeypatch.setattr(progress, 'tqdm', None)
    monkeypatch.setattr(progress, 'time', FakeClock(10.))
    stream = io.StringIO()
    assert list(progress.progress(range(3), 3, 'x', stream)) == [0, 1, 2]
    assert stream.getvalue() == ''


def test_tqdm_progress(progress):
    tqdm = pytest.importorskip('tqdm')
    stream = io.StringIO()
    bar = progress.progress(range(3), 3, 'Epoch 1', stream)
    assert isinstance(bar, tqdm.tqdm) and list(bar) == [0, 1, 2]
    assert stream.getvalue() == ''  # done before the delay
