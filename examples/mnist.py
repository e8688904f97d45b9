#!/usr/bin/env python
"""
Trains a batch-normalized multi-layer perceptron to classify handwritten
digits, and reports its accuracy on held-out test data.

The data: MNIST (28x28 pixels, 60000 training and 10000 test images) if its
four files are found in --data-dir, or can be downloaded there within a short
timeout; otherwise scikit-learn's bundled digits data set (8x8 pixels, 1797
images, installed with ``pip install lasagne[examples]``), so that the
example runs without a network connection. --dataset chooses explicitly.

Usage: python examples/mnist.py [--dataset auto|mnist|digits]
                                [--data-dir DIR] [--epochs N] ...
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
from lasagne.layers import (DenseLayer, DropoutLayer, InputLayer, batch_norm,
                            get_all_layers, get_all_params, get_output)

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


# --------------------------------------------------------------- model

def build_mlp(input_shape, num_units, depth, dropout):
    """A multi-layer perceptron with batch normalization in every hidden
    layer: batch_norm() removes the dense layers' biases and applies their
    rectifier after the normalization."""
    network = InputLayer((None,) + input_shape)
    for _ in range(depth):
        if dropout:
            network = DropoutLayer(network, p=dropout)
        network = batch_norm(DenseLayer(
            network, num_units, nonlinearity=lasagne.nonlinearities.rectify))
    return DenseLayer(network, 10,
                      nonlinearity=lasagne.nonlinearities.softmax)


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--dataset', choices=['auto', 'mnist', 'digits'],
                        default='auto', help="'auto' (default): MNIST if "
                        "available, else the digits")
    parser.add_argument('--data-dir', default=DEFAULT_DATA_DIR,
                        help='where the MNIST files are, or are downloaded '
                        'to (default: %(default)s)')
    parser.add_argument('--no-download', action='store_true',
                        help='do not try to download MNIST')
    parser.add_argument('--timeout', type=float, default=5.,
                        help='seconds to wait for each download request')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--batch-size', type=int, default=100)
    parser.add_argument('--num-units', type=int, default=256)
    parser.add_argument('--depth', type=int, default=2,
                        help='number of hidden layers')
    parser.add_argument('--dropout', type=float, default=0.2,
                        help='dropout probability before each hidden layer')
    parser.add_argument('--learning-rate', type=float, default=0.01)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)

    np.random.seed(args.seed)  # lasagne's initializers draw from it
    (train, val, test), name = load_data(args.dataset, args.data_dir,
                                         not args.no_download, args.timeout,
                                         args.seed)
    print("Data: %s, %d training, %d validation, %d test images of %dx%d "
          "pixels." % ((name, len(train[1]), len(val[1]), len(test[1])) +
                       train[0].shape[2:]))

    network = build_mlp(train[0].shape[1:], args.num_units, args.depth,
                        args.dropout)
    x, y = get_all_layers(network)[0].input_var, T.ivector('y')

    # Training: batch statistics, and updates of the running averages,
    # which the compiled function applies by itself.
    prediction = get_output(network)
    loss = lasagne.objectives.categorical_crossentropy(prediction, y).mean()
    params = get_all_params(network, trainable=True)
    updates = lasagne.updates.nesterov_momentum(
        loss, params, learning_rate=args.learning_rate, momentum=0.9)
    train_fn = theano.function([x, y], loss, updates=updates)

    # Evaluation: deterministic output, with the running averages.
    prediction = get_output(network, deterministic=True)
    eval_fn = theano.function([x, y], [
        lasagne.objectives.categorical_crossentropy(prediction, y).mean(),
        lasagne.objectives.categorical_accuracy(prediction, y).mean()])

    rng = np.random.RandomState(args.seed)
    for epoch in range(args.epochs):
        start = time.time()
        train_loss = np.mean([train_fn(x_batch, y_batch) for x_batch, y_batch
                              in batches(*train, args.batch_size, rng)])
        val_loss, val_acc = evaluate(eval_fn, *val, args.batch_size)
        print("Epoch %d of %d took %.2fs: training loss %.4f, validation "
              "loss %.4f, validation accuracy %.2f %%"
              % (epoch + 1, args.epochs, time.time() - start, train_loss,
                 val_loss, 100 * val_acc))
    test_loss, test_acc = evaluate(eval_fn, *test, args.batch_size)
    print("Final test accuracy: %.2f %% (test loss %.4f)"
          % (100 * test_acc, test_loss))
    return test_acc


if __name__ == '__main__':
    main()
