#!/usr/bin/env python
"""
Trains a network to classify handwritten digits, and reports its accuracy on
held-out test data. The model is chosen by the first argument:

  mlp         two batch-normalized hidden layers of 256 rectified units, with
              dropout (the default);
  custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID
              DEPTH batch-normalized hidden layers of WIDTH units, dropout
              with probability DROP_IN on the input and DROP_HID after each
              hidden layer (custom_mlp:2,256,0.2,0.2 is mlp);
  cnn         two stages of a 3x3 convolution, batch normalization and 2x2
              max-pooling, then dropout, a dense layer and the softmax.

The data: MNIST (28x28 pixels, 60000 training and 10000 test images) if its
four files are found in --data-dir, or can be downloaded there within a short
timeout; otherwise scikit-learn's bundled digits data set (8x8 pixels, 1797
images), so that the example runs without a network connection. --dataset
chooses explicitly.

Examples: python examples/mnist.py
          python examples/mnist.py cnn 20 --plot curves.png
          python examples/mnist.py custom_mlp:3,512,0.2,0.5 --save mlp.npz
"""
import argparse
import gzip
import http.client
import os
import time
import urllib.request

import numpy as np

import lasagne
import theano
import theano.tensor as T
from lasagne.layers import (Conv2DLayer, DenseLayer, DropoutLayer, InputLayer,
                            MaxPool2DLayer, batch_norm, get_all_layers,
                            get_all_param_values, get_all_params, get_output,
                            recompute_batch_norm_statistics,
                            set_all_param_values)
from lasagne.nonlinearities import rectify, softmax

from progress import compiling, progress

MNIST_FILES = {
    'train_images': 'train-images-idx3-ubyte.gz',
    'train_labels': 'train-labels-idx1-ubyte.gz',
    'test_images': 't10k-images-idx3-ubyte.gz',
    'test_labels': 't10k-labels-idx1-ubyte.gz',
}
MNIST_MIRRORS = [
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
]
DEFAULT_DATA_DIR = os.path.join(os.path.expanduser('~'), '.cache',
                                'lasagne-examples', 'mnist')
DEFAULT_EPOCHS = 10


# ---------------------------------------------------------------- data

def read_idx(path):
    """An array from a file in MNIST's IDX format (gzipped or not)."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big')
                  for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find_mnist(data_dir):
    """The paths of the four MNIST files in `data_dir` (each gzipped or
    not), or None if one is missing."""
    paths = {}
    for key, name in MNIST_FILES.items():
        for candidate in (name, name[:-3]):
            path = os.path.join(data_dir, candidate)
            if os.path.exists(path):
                paths[key] = path
                break
        else:
            return None
    return paths


def download_mnist(data_dir, timeout):
    """Download the MNIST files into `data_dir`; their paths, or None if no
    mirror delivered them within `timeout` seconds per request."""
    os.makedirs(data_dir, exist_ok=True)
    for mirror in MNIST_MIRRORS:
        try:
            for name in MNIST_FILES.values():
                path = os.path.join(data_dir, name)
                if not os.path.exists(path):
                    print("Downloading %s ..." % (mirror + name))
                    with urllib.request.urlopen(mirror + name,
                                                timeout=timeout) as src:
                        data = src.read()
                    with open(path + '.part', 'wb') as dst:
                        dst.write(data)
                    os.replace(path + '.part', path)
            return find_mnist(data_dir)
        # OSError covers URLError and socket timeouts; HTTPException a
        # broken response, such as an IncompleteRead.
        except (OSError, http.client.HTTPException) as error:
            print("Could not download from %s: %s" % (mirror, error))
    return None


def load_mnist(paths):
    """MNIST as (train, validation, test) pairs of images (N, 1, rows,
    columns) in [0, 1] and int32 labels; the last 10000 training images (a
    sixth of a smaller set) validate."""
    def images(key):
        x = read_idx(paths[key]).astype(theano.config.floatX) / 255
        return x[:, None]

    def labels(key):
        return read_idx(paths[key]).astype('int32')

    x_train, y_train = images('train_images'), labels('train_labels')
    split = len(y_train) - min(10000, len(y_train) // 6)
    return ((x_train[:split], y_train[:split]),
            (x_train[split:], y_train[split:]),
            (images('test_images'), labels('test_labels')))


def load_digits(seed):
    """scikit-learn's digits as (train, validation, test) pairs of images
    (N, 1, 8, 8) in [0, 1] and int32 labels, 300 images each to validate
    and test."""
    from sklearn.datasets import load_digits as sklearn_digits
    digits = sklearn_digits()
    x = (digits.images / 16.).astype(theano.config.floatX)[:, None]
    y = digits.target.astype('int32')
    order = np.random.RandomState(seed).permutation(len(y))
    x, y = x[order], y[order]
    return (x[:-600], y[:-600]), (x[-600:-300], y[-600:-300]), \
        (x[-300:], y[-300:])


def load_data(dataset, data_dir, download, timeout, seed):
    """The chosen data set and its name."""
    if dataset in ('auto', 'mnist'):
        paths = find_mnist(data_dir)
        if paths is None and download:
            paths = download_mnist(data_dir, timeout)
        if paths is not None:
            return load_mnist(paths), 'MNIST'
        if dataset == 'mnist':
            raise SystemExit("MNIST not found in %s and not downloadable"
                             % data_dir)
        print("MNIST is not available; using scikit-learn's digits.")
    return load_digits(seed), "scikit-learn's digits"


# --------------------------------------------------------------- models

def build_mlp(input_shape, depth=2, width=256, drop_input=0.2,
              drop_hidden=0.2):
    """A multi-layer perceptron for images of `input_shape` (channels, rows,
    columns): `depth` hidden layers of `width` rectified units, with dropout
    on the input and after every hidden layer, and a softmax over the ten
    classes."""
    network = InputLayer((None,) + input_shape)
    if drop_input:
        network = DropoutLayer(network, p=drop_input)
    for _ in range(depth):
        # batch_norm() normalizes the dense layer's output over each
        # mini-batch, removes the layer's bias (the normalization's own
        # shift, beta, replaces it) and applies the rectifier afterwards.
        network = batch_norm(DenseLayer(network, width, nonlinearity=rectify))
        if drop_hidden:
            network = DropoutLayer(network, p=drop_hidden)
    return DenseLayer(network, 10, nonlinearity=softmax)


def build_cnn(input_shape, num_filters=32, num_units=256, dropout=0.5):
    """A convolutional network for images of `input_shape`: two stages of a
    3x3 convolution with `num_filters` filters, batch normalization and 2x2
    max-pooling, then dropout, a dense layer of `num_units` and a softmax
    over the ten classes."""
    network = InputLayer((None,) + input_shape)
    for _ in range(2):
        # pad='same' keeps the size of the image, so that both stages fit
        # the 8x8 digits as well as MNIST's 28x28 images.
        network = batch_norm(Conv2DLayer(network, num_filters, 3, pad='same',
                                         nonlinearity=rectify))
        network = MaxPool2DLayer(network, 2)
    network = DropoutLayer(network, p=dropout)
    network = batch_norm(DenseLayer(network, num_units, nonlinearity=rectify))
    network = DropoutLayer(network, p=dropout)
    return DenseLayer(network, 10, nonlinearity=softmax)


def parse_model(text):
    """The builder and its keyword arguments named by the model argument:
    'mlp', 'cnn' or 'custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID'."""
    if text == 'mlp':
        return build_mlp, {}
    if text == 'cnn':
        return build_cnn, {}
    name, _, spec = text.partition(':')
    if name == 'custom_mlp':
        try:
            depth, width, drop_input, drop_hidden = spec.split(',')
            kwargs = dict(depth=int(depth), width=int(width),
                          drop_input=float(drop_input),
                          drop_hidden=float(drop_hidden))
        except ValueError:
            kwargs = None
        if (kwargs and kwargs['depth'] >= 0 and kwargs['width'] > 0 and
                0 <= kwargs['drop_input'] < 1 and
                0 <= kwargs['drop_hidden'] < 1):
            return build_mlp, kwargs
        raise ValueError(
            "custom_mlp takes DEPTH,WIDTH,DROP_IN,DROP_HID: a depth >= 0, a "
            "width > 0 and two dropout probabilities in [0, 1), such as "
            "custom_mlp:2,256,0.2,0.2; got %r" % text)
    raise ValueError(
        "the model is mlp, custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID or cnn; "
        "got %r" % text)


# ------------------------------------------------------------- training

def batches(x, y, size, rng=None):
    """Mini-batches of (x, y), shuffled if `rng` is given."""
    order = np.arange(len(y)) if rng is None else rng.permutation(len(y))
    for start in range(0, len(y), size):
        chosen = order[start:start + size]
        yield x[chosen], y[chosen]


def evaluate(fn, x, y, size):
    """Mean loss and accuracy over a data set."""
    totals = np.zeros(2)
    for x_batch, y_batch in batches(x, y, size):
        totals += np.array(fn(x_batch, y_batch)) * len(y_batch)
    return totals / len(y)


def save_params(network, path):
    """Save the values of all parameters of `network` to a .npz file."""
    np.savez(path, *get_all_param_values(network))


def load_params(network, path):
    """Set the parameters of `network` to values saved by save_params()."""
    with np.load(path) as saved:
        values = [saved['arr_%d' % i] for i in range(len(saved.files))]
    set_all_param_values(network, values)


def plot_curves(history, path, title):
    """Save the training and validation curves in `history`, a (training
    loss, training accuracy, validation loss, validation accuracy) tuple
    per epoch, as a picture of 800x300 pixels."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    figure = Figure(figsize=(8, 3), dpi=100)
    loss, accuracy = figure.subplots(1, 2)
    curves = np.array(history)
    epochs = np.arange(1, len(curves) + 1)
    for label, column in (('training', 0), ('validation', 2)):
        loss.plot(epochs, curves[:, column], 'o-', ms=3, label=label)
        accuracy.plot(epochs, 100 * curves[:, column + 1], 'o-', ms=3,
                      label=label)
    loss.set(xlabel='epoch', ylabel='cross-entropy', title='loss')
    accuracy.set(xlabel='epoch', ylabel='%', title='accuracy')
    for axes in (loss, accuracy):
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(title, fontsize='medium')
    figure.tight_layout()
    figure.savefig(path)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\nThe data')[0].strip(),
        epilog=__doc__.split('\n\n', 2)[2].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('model', nargs='?', default='mlp', metavar='MODEL',
                        help='mlp (default), '
                        'custom_mlp:DEPTH,WIDTH,DROP_IN,DROP_HID or cnn')
    parser.add_argument('epochs', nargs='?', type=int, metavar='EPOCHS',
                        help='number of training epochs (default: %d)'
                        % DEFAULT_EPOCHS)
    parser.add_argument('--epochs', type=int, dest='epochs_option',
                        metavar='N', help='the same as EPOCHS')
    parser.add_argument('--plot', metavar='FILE.png',
                        help='save the training and validation curves '
                        '(needs matplotlib)')
    parser.add_argument('--save', metavar='FILE.npz',
                        help='save the trained parameters')
    parser.add_argument('--load', metavar='FILE.npz',
                        help='start from parameters saved with --save (with '
                        '0 epochs: only test them)')
    parser.add_argument('--dataset', choices=['auto', 'mnist', 'digits'],
                        default='auto', help="'auto' (default): MNIST if "
                        "available, else the digits")
    parser.add_argument('--data-dir', default=DEFAULT_DATA_DIR, metavar='DIR',
                        help='where the MNIST files are, or are downloaded '
                        'to (default: %(default)s)')
    parser.add_argument('--no-download', action='store_true',
                        help='do not try to download MNIST')
    parser.add_argument('--timeout', type=float, default=5., metavar='S',
                        help='seconds to wait for each download request '
                        '(default: %(default)s)')
    parser.add_argument('--train-size', type=int, metavar='N',
                        help='train on the first N training images only')
    parser.add_argument('--batch-size', type=int, default=100, metavar='N',
                        help='images per update (default: %(default)s)')
    parser.add_argument('--learning-rate', type=float, default=0.01,
                        metavar='RATE', help="Nesterov momentum's learning "
                        'rate (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=1,
                        help='seed of the initialization, the data split and '
                        'the shuffling (default: %(default)s)')
    args = parser.parse_args(argv)
    try:
        args.build, args.kwargs = parse_model(args.model)
    except ValueError as error:
        parser.error(str(error))
    if args.epochs is not None and args.epochs_option is not None:
        parser.error("give the number of epochs once, as EPOCHS or --epochs")
    if args.epochs is None:
        args.epochs = (DEFAULT_EPOCHS if args.epochs_option is None
                       else args.epochs_option)
    if args.epochs < 0:
        parser.error("the number of epochs must be >= 0")
    if args.train_size is not None and args.train_size < 1:
        parser.error("--train-size must be >= 1")
    if args.plot:
        if not args.epochs:
            parser.error("--plot needs at least one epoch")
        try:
            import matplotlib  # noqa: F401 (checked before training)
        except ImportError:
            parser.error("--plot needs matplotlib: pip install matplotlib")
    return args


def main(argv=None):
    args = parse_args(argv)
    np.random.seed(args.seed)  # lasagne's initializers draw from it

    (train, val, test), name = load_data(args.dataset, args.data_dir,
                                         not args.no_download, args.timeout,
                                         args.seed)
    if args.train_size is not None:
        train = tuple(array[:args.train_size] for array in train)
    print("Data: %s, %d training, %d validation, %d test images of %dx%d "
          "pixels." % ((name, len(train[1]), len(val[1]), len(test[1])) +
                       train[0].shape[2:]))

    # -- tutorial: building the network
    network = args.build(train[0].shape[1:], **args.kwargs)
    if args.load:
        load_params(network, args.load)
    x = get_all_layers(network)[0].input_var
    y = T.ivector('y')

    # -- tutorial: the loss and the update rule
    # Training: dropout is on, and each batch normalization uses the
    # statistics of the mini-batch and updates its running averages (an
    # update that the compiled function applies by itself).
    prediction = get_output(network)
    loss = lasagne.objectives.categorical_crossentropy(prediction, y).mean()
    accuracy = lasagne.objectives.categorical_accuracy(prediction, y).mean()
    params = get_all_params(network, trainable=True)
    updates = lasagne.updates.nesterov_momentum(
        loss, params, learning_rate=args.learning_rate, momentum=0.9)

    # -- tutorial: validation
    # Evaluation: deterministic=True turns dropout off and makes batch
    # normalization use its running averages, so that the output for an
    # image does not depend on the other images of its batch.
    eval_prediction = get_output(network, deterministic=True)
    eval_loss = lasagne.objectives.categorical_crossentropy(eval_prediction,
                                                            y).mean()
    eval_accuracy = lasagne.objectives.categorical_accuracy(eval_prediction,
                                                            y).mean()

    # -- tutorial: compiling
    with compiling("the training and validation functions"):
        train_fn = theano.function([x, y], [loss, accuracy], updates=updates)
        eval_fn = theano.function([x, y], [eval_loss, eval_accuracy])

    # -- tutorial: the training loop
    history = []
    rng = np.random.RandomState(args.seed)
    num_batches = -(-len(train[1]) // args.batch_size)
    for epoch in range(args.epochs):
        start = time.time()
        totals = np.zeros(2)
        for x_batch, y_batch in progress(
                batches(*train, args.batch_size, rng), num_batches,
                "Epoch %d" % (epoch + 1)):
            totals += np.array(train_fn(x_batch, y_batch)) * len(y_batch)
        train_loss, train_acc = totals / len(train[1])
        val_loss, val_acc = evaluate(eval_fn, *val, args.batch_size)
        history.append((train_loss, train_acc, val_loss, val_acc))
        print("Epoch %d of %d took %.2fs: training loss %.4f, validation "
              "loss %.4f, validation accuracy %.2f %%"
              % (epoch + 1, args.epochs, time.time() - start, train_loss,
                 val_loss, 100 * val_acc), flush=True)

    # -- tutorial: testing
    if args.epochs:
        # The running averages of batch normalization trail the weights of
        # the last epochs; recompute them once with the final weights.
        start = time.time()
        recompute_batch_norm_statistics(
            network, (x_batch for x_batch, _ in
                      batches(*train, args.batch_size)))
        print("Recomputed the batch normalization statistics over the "
              "training set in %.1f s." % (time.time() - start))
    if args.save:
        save_params(network, args.save)
        print("Saved the parameters to %s." % args.save)
    test_loss, test_acc = evaluate(eval_fn, *test, args.batch_size)
    print("Final test accuracy: %.2f %% (test loss %.4f)"
          % (100 * test_acc, test_loss))
    # -- tutorial: end of testing

    if args.plot:
        plot_curves(history, args.plot, "%s on %s" % (args.model, name))
        print("Saved the curves to %s." % args.plot)
    return test_acc


if __name__ == '__main__':
    main()
