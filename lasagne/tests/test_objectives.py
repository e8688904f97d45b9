import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import objectives

# The values of the losses depend on the graphs these tests build and on
# Theano's graph rewrites, not on how Theano runs the ops: the Python
# implementations spare a cold cache the compilation of C code for every
# graph. The doctests of lasagne.objectives run the default (C) mode.
MODE = theano.compile.Mode(linker='py')


def np_logit(p):
    return np.log(p / (1 - p))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_one_hot(labels, num_classes):
    return np.eye(num_classes)[labels]


def np_multiclass_hinge(scores, labels, delta):
    losses = []
    for row, label in zip(scores, labels):
        others = [s for j, s in enumerate(row) if j != label]
        losses.append(max(0., max(others) - row[label] + delta))
    return np.array(losses)


@pytest.fixture(scope='module')
def elementwise():
    """All elementwise objectives of one pair of matrices, in one compiled
    function: a dict from a case name to its value."""
    p, t = T.dmatrix('p'), T.dmatrix('t')
    cases = {
        'bce': objectives.binary_crossentropy(p, t),
        'se': objectives.squared_error(p, t),
        'hinge': objectives.binary_hinge_loss(p, t, log_odds=True),
        'hinge_probs': objectives.binary_hinge_loss(p, t, delta=0.5,
                                                    log_odds=False),
        'hinge_signed': objectives.binary_hinge_loss(p, t, delta=2,
                                                     log_odds=True,
                                                     binary=False),
        'huber': objectives.huber_loss(p, t),
        'huber_half': objectives.huber_loss(p, t, delta=0.5),
        'acc': objectives.binary_accuracy(p, t),
        'acc_zero': objectives.binary_accuracy(p, t, threshold=0.),
    }
    f = theano.function([p, t], list(cases.values()), mode=MODE)
    return lambda pv, tv: dict(zip(cases, f(pv, tv)))


@pytest.fixture(scope='module')
def categorical():
    """All categorical objectives of predictions with integer and with
    one-hot (or soft) targets, in one compiled function."""
    p, labels, dist = T.dmatrix('p'), T.ivector('labels'), T.dmatrix('dist')
    cases = {
        'cce_int': objectives.categorical_crossentropy(p, labels),
        'cce_dist': objectives.categorical_crossentropy(p, dist),
        'hinge_int': objectives.multiclass_hinge_loss(p, labels),
        'hinge_dist': objectives.multiclass_hinge_loss(p, dist, delta=0.3),
        'acc_int': objectives.categorical_accuracy(p, labels),
        'acc_dist': objectives.categorical_accuracy(p, dist),
        'top2_int': objectives.categorical_accuracy(p, labels, top_k=2),
        'top2_dist': objectives.categorical_accuracy(p, dist, top_k=2),
    }
    f = theano.function([p, labels, dist], list(cases.values()),
                        mode=MODE)
    return lambda pv, lv, dv: dict(zip(cases, f(pv, lv, dv)))


@pytest.fixture
def rng():
    return np.random.RandomState(1234)


@pytest.fixture
def probabilities(rng):
    predictions = rng.uniform(0.05, 0.95, (4, 3))
    targets = (rng.uniform(size=(4, 3)) > 0.5).astype('float64')
    return predictions, targets


class TestElementwise:

    def test_binary_crossentropy(self, elementwise, probabilities, rng):
        p, t = probabilities
        expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
        assert np.allclose(elementwise(p, t)['bce'], expected)
        soft = rng.uniform(size=t.shape)
        expected = -(soft * np.log(p) + (1 - soft) * np.log(1 - p))
        assert np.allclose(elementwise(p, soft)['bce'], expected)

    def test_binary_crossentropy_at_zero_and_one(self, elementwise):
        p = np.array([[0., 1., 0., 1.]])
        t = np.array([[0., 1., 1., 0.]])
        # A certain prediction costs nothing where it is right, and
        # infinitely much (not nan) where it is wrong.
        assert np.array_equal(elementwise(p, t)['bce'],
                              [[0., 0., np.inf, np.inf]])

    def test_squared_error(self, elementwise, probabilities):
        p, t = probabilities
        assert np.allclose(elementwise(p, t)['se'], (p - t) ** 2)

    def test_binary_hinge_loss(self, elementwise, rng):
        scores = rng.normal(0, 2, (4, 3))
        t = (rng.uniform(size=(4, 3)) > 0.5).astype('float64')
        out = elementwise(scores, t)
        expected = np.maximum(0, 1 - scores * (2 * t - 1))
        assert np.allclose(out['hinge'], expected)
        assert (out['hinge'] == 0).any() and (out['hinge'] > 0).any()
        signed = 2 * t - 1
        expected = np.maximum(0, 2 - scores * signed)
        assert np.allclose(elementwise(scores, signed)['hinge_signed'],
                           expected)

    def test_binary_hinge_loss_of_probabilities(self, elementwise,
                                                probabilities):
        p, t = probabilities
        expected = np.maximum(0, 0.5 - np_logit(p) * (2 * t - 1))
        assert np.allclose(elementwise(p, t)['hinge_probs'], expected)

    @pytest.mark.parametrize('dtype', ['float64', 'float32'])
    @pytest.mark.parametrize('binary', [True, False])
    def test_binary_hinge_loss_at_zero_and_one(self, dtype, binary):
        # Probabilities of 0 and 1 are log-odds of -inf and inf: no loss
        # and no gradient where the prediction is right, an infinite loss
        # (not nan) where it is wrong, and the formula in between.
        p, t = T.vector('p', dtype=dtype), T.vector('t', dtype=dtype)
        loss = objectives.binary_hinge_loss(p, t, log_odds=False,
                                            binary=binary)
        f = theano.function([p, t], [loss, T.grad(loss.sum(), p)],
                            mode=MODE)
        pv = np.array([0., 1., 0., 1., 0.3, 0.3], dtype=dtype)
        labels = np.array([0., 1., 1., 0., 1., 0.], dtype=dtype)
        signed = 2 * labels - 1
        value, grad = f(pv, labels if binary else signed)
        assert value.dtype == grad.dtype == dtype
        assert np.array_equal(value[:4], [0., 0., np.inf, np.inf])
        assert np.array_equal(grad[:4], [0., 0., 0., 0.])
        p_in = pv[4:].astype('float64')
        expected = np.maximum(0, 1 - np_logit(p_in) * signed[4:])
        # d/dp of -t * log(p / (1 - p)) is -t / (p (1 - p)).
        expected_grad = -signed[4:] / (p_in * (1 - p_in))
        assert np.allclose(value[4:], expected, rtol=1e-6)
        assert np.allclose(grad[4:], expected_grad, rtol=1e-5)

    def test_binary_hinge_loss_of_infinite_log_odds(self):
        p, t = T.dvector('p'), T.dvector('t')
        loss = objectives.binary_hinge_loss(p, t, log_odds=True)
        f = theano.function([p, t], [loss, T.grad(loss.sum(), p)],
                            mode=MODE)
        value, grad = f([-np.inf, np.inf, -np.inf, np.inf], [0, 1, 1, 0])
        assert np.array_equal(value, [0., 0., np.inf, np.inf])
        assert not np.isnan(grad).any()

    def test_binary_hinge_loss_gradient_of_probabilities(self, rng):
        p = rng.uniform(0.05, 0.95, (3, 4))
        t = (rng.uniform(size=(3, 4)) > 0.5).astype('float64')
        # Away from the kinks at log-odds of +-delta.
        assert np.all(np.abs(np.abs(np_logit(p)) - 0.5) > 1e-3)
        theano.gradient.verify_grad(
            lambda p: objectives.binary_hinge_loss(p, t, delta=0.5,
                                                   log_odds=False),
            [p], rng=rng, mode=MODE)

    def test_binary_hinge_loss_warns_without_log_odds(self):
        p, t = T.dmatrix(), T.dmatrix()
        with pytest.warns(FutureWarning, match="log_odds=True"):
            loss = objectives.binary_hinge_loss(p, t)
        # As with log_odds=True: the scores are not turned into log-odds.
        scores = np.array([[-0.5, 0.2, 3.]])
        expected = np.maximum(0, 1 - scores)
        f = theano.function([p, t], loss, mode=MODE)
        assert np.allclose(f(scores, np.ones((1, 3))), expected)

    def test_huber_loss(self, elementwise, rng):
        p = rng.normal(0, 1.5, (4, 3))
        t = rng.normal(0, 1.5, (4, 3))
        out = elementwise(p, t)
        for delta, key in [(1., 'huber'), (0.5, 'huber_half')]:
            a = np.abs(p - t)
            assert (a <= delta).any() and (a > delta).any()
            expected = np.where(a <= delta, 0.5 * a ** 2,
                                delta * (a - 0.5 * delta))
            assert np.allclose(out[key], expected)

    def test_binary_accuracy(self, elementwise):
        p = np.array([[0.2, 0.5, 0.7, -0.1]])
        t = np.array([[0., 0., 1., 0.]])
        out = elementwise(p, t)
        # A prediction at the threshold counts as class 1.
        assert np.array_equal(out['acc'], [[1, 0, 1, 1]])
        assert np.array_equal(out['acc_zero'], [[0, 0, 1, 1]])
        assert out['acc'].mean() == 0.75

    @pytest.mark.parametrize('objective', [
        objectives.binary_crossentropy, objectives.squared_error,
        objectives.huber_loss, objectives.binary_accuracy,
        lambda p, t: objectives.binary_hinge_loss(p, t, log_odds=True)])
    def test_column_predictions_with_vector_targets(self, objective):
        # One output unit and a vector of targets: the loss keeps the
        # column's shape instead of broadcasting to (N, N).
        loss = objective(T.dcol('p'), T.dvector('t'))
        assert loss.broadcastable == (False, True)

    @pytest.mark.parametrize('objective', [
        objectives.binary_crossentropy, objectives.squared_error,
        objectives.huber_loss, objectives.binary_accuracy,
        lambda p, t: objectives.binary_hinge_loss(p, t, log_odds=True)])
    def test_dimension_mismatch(self, objective):
        with pytest.raises(TypeError, match="predictions have 2 dimensions "
                           "and targets 1; expected the same"):
            objective(T.dmatrix('p'), T.dvector('t'))
        with pytest.raises(TypeError, match="have 1 dimensions and targets 3"):
            objective(T.dvector('p'), T.dtensor3('t'))

    def test_dimension_mismatch_names_the_function(self):
        with pytest.raises(TypeError, match="^huber_loss: "):
            objectives.huber_loss(T.dmatrix(), T.dvector())

    def test_scalar_target_broadcasts(self):
        p = T.dmatrix('p')
        loss = objectives.squared_error(p, 0.5)
        pv = np.array([[0., 1., 2.], [0.5, -1., 3.]])
        got = theano.function([p], loss, mode=MODE)(pv)
        assert np.allclose(got, (pv - 0.5) ** 2)

    @pytest.mark.parametrize('mode', [MODE, None], ids=['py', 'c'])
    def test_size_mismatch_raises_at_run_time(self, mode):
        # Only the numbers of dimensions are known when the loss is built;
        # Theano checks the sizes when the function runs, and does not
        # stretch an axis of size 1 that the type does not declare
        # broadcastable, as NumPy would.
        p, t = T.dmatrix('p'), T.dmatrix('t')
        f = theano.function([p, t], objectives.squared_error(p, t),
                            mode=mode)
        predictions = np.zeros((4, 3))
        assert np.array_equal(f(predictions, np.ones((4, 3))),
                              np.ones((4, 3)))
        for shape in [(4, 2), (1, 3), (4, 1)]:
            with pytest.raises(ValueError):
                f(predictions, np.ones(shape))

    @pytest.mark.parametrize('objective', [
        objectives.binary_crossentropy, objectives.squared_error,
        objectives.huber_loss,
        lambda p, t: objectives.binary_hinge_loss(p, t, log_odds=False)])
    def test_float32_stays_float32(self, objective):
        assert objective(T.fmatrix(), T.fmatrix()).dtype == 'float32'


class TestCategorical:

    @pytest.fixture
    def data(self, rng):
        p = np_softmax(rng.normal(0, 1, (5, 4)))
        labels = np.array([0, 3, 1, 1, 2], dtype='int32')
        return p, labels, np_one_hot(labels, 4)

    def test_categorical_crossentropy(self, categorical, data):
        p, labels, one_hot = data
        out = categorical(p, labels, one_hot)
        expected = -np.log(p[np.arange(5), labels])
        assert np.allclose(out['cce_int'], expected)
        assert np.allclose(out['cce_dist'], expected)

    def test_categorical_crossentropy_soft_targets(self, categorical, data,
                                                   rng):
        p, labels, _ = data
        soft = np_softmax(rng.normal(0, 1, p.shape))
        expected = -(soft * np.log(p)).sum(axis=1)
        assert np.allclose(categorical(p, labels, soft)['cce_dist'],
                           expected)

    def test_categorical_crossentropy_at_zero_and_one(self, categorical):
        p = np.array([[1., 0., 0.], [0., 0.5, 0.5], [0., 1., 0.]])
        labels = np.array([0, 1, 0], dtype='int32')
        out = categorical(p, labels, np_one_hot(labels, 3))
        expected = [0., np.log(2), np.inf]
        assert np.allclose(out['cce_int'], expected)
        assert np.allclose(out['cce_dist'], expected)

    def test_multiclass_hinge_loss(self, categorical, rng):
        scores = rng.normal(0, 1, (6, 4))
        labels = np.array([0, 3, 1, 1, 2, 2], dtype='int32')
        scores[5, 2] = scores[5].max() + 2  # a row without loss
        out = categorical(scores, labels, np_one_hot(labels, 4))
        for key, delta in [('hinge_int', 1.), ('hinge_dist', 0.3)]:
            assert np.allclose(out[key],
                               np_multiclass_hinge(scores, labels, delta))
        assert out['hinge_int'][5] == 0 and (out['hinge_int'] > 0).any()

    def test_multiclass_hinge_loss_soft_targets(self, categorical, rng):
        # A matrix of targets marks the correct class by its largest entry
        # (the first of a tie): soft targets count as their most probable
        # class instead of giving nan.
        scores = rng.normal(0, 1, (5, 4))
        soft = np_softmax(rng.normal(0, 2, (5, 4)))
        soft[4] = [0.4, 0.1, 0.4, 0.1]
        labels = soft.argmax(axis=1).astype('int32')
        assert labels[4] == 0 and len(set(labels)) > 1
        out = categorical(scores, labels, soft)
        expected = np_multiclass_hinge(scores, labels, 0.3)
        assert np.all(np.isfinite(out['hinge_dist']))
        assert np.allclose(out['hinge_dist'], expected)

    def test_multiclass_hinge_loss_of_one_class(self, categorical):
        # Nothing competes with the only class: no loss (not nan).
        scores = np.array([[0.5], [-2.]])
        out = categorical(scores, np.zeros(2, 'int32'), np.ones((2, 1)))
        assert np.array_equal(out['hinge_int'], [0., 0.])
        assert np.array_equal(out['hinge_dist'], [0., 0.])

    def test_categorical_accuracy(self, categorical):
        p = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.35, 0.25, 0.4],
                      [0.2, 0.1, 0.7]])
        labels = np.array([1, 2, 0, 1], dtype='int32')
        out = categorical(p, labels, np_one_hot(labels, 3))
        # The NumPy reference: rank of the correct class among the scores.
        ranks = (p > p[np.arange(4), labels][:, None]).sum(axis=1)
        assert np.array_equal(ranks, [0, 1, 1, 2])
        for key in ['acc_int', 'acc_dist']:
            assert np.array_equal(out[key], ranks < 1)
        for key in ['top2_int', 'top2_dist']:
            assert np.array_equal(out[key], ranks < 2)

    def test_categorical_accuracy_float_class_indices(self):
        # Class indices stored as floats are accepted, as they were.
        p, t = T.dmatrix('p'), T.dvector('t')
        acc = objectives.categorical_accuracy(p, t)
        f = theano.function([p, t], acc, mode=MODE)
        scores = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3],
                           [0.2, 0.1, 0.7]])
        assert np.array_equal(f(scores, [1., 2., 2.]), [True, False, True])

    def test_categorical_accuracy_of_sequences(self):
        # Scores over the last axis of a 3-d tensor, as in Lasagne 0.2.
        p, t = T.dtensor3('p'), T.imatrix('t')
        f = theano.function([p, t], objectives.categorical_accuracy(p, t),
                            mode=MODE)
        scores = np.random.RandomState(0).uniform(size=(2, 3, 4))
        labels = np.array([[0, 1, 2], [3, 3, 0]], dtype='int32')
        assert np.array_equal(f(scores, labels),
                              scores.argmax(axis=-1) == labels)

    def test_categorical_crossentropy_of_sequences(self, rng):
        # Distributions over the last axis of predictions of more than two
        # dimensions work, as in Lasagne 0.2.
        p, t = T.dtensor3('p'), T.dtensor3('t')
        f = theano.function(
            [p, t], objectives.categorical_crossentropy(p, t), mode=MODE)
        pv = rng.dirichlet(np.ones(4), (2, 3))
        tv = rng.dirichlet(np.ones(4), (2, 3))
        assert np.allclose(f(pv, tv), -(tv * np.log(pv)).sum(axis=-1))

    @pytest.mark.parametrize('objective, predictions, targets', [
        (objectives.categorical_crossentropy, T.dtensor3(), T.imatrix()),
        (objectives.categorical_crossentropy, T.dvector(), T.iscalar()),
        (objectives.multiclass_hinge_loss, T.dtensor3(), T.imatrix()),
        (objectives.multiclass_hinge_loss, T.dtensor3(), T.dtensor3()),
        (objectives.multiclass_hinge_loss, T.dvector(), T.dvector())])
    def test_class_scores_must_be_a_matrix(self, objective, predictions,
                                           targets):
        with pytest.raises(TypeError, match=(
                r"^%s: expected a matrix of predictions \(one row per data "
                r"point\) with a vector of integer class indices or a "
                r"matrix of one-hot targets, got predictions with %d "
                r"dimensions and targets with %d$"
                % (objective.__name__, predictions.ndim, targets.ndim))):
            objective(predictions, targets)

    def test_size_mismatch_raises_at_run_time(self):
        # As for the elementwise losses, the sizes are Theano's to check
        # when the function runs.
        p, labels, dist = T.dmatrix('p'), T.ivector('l'), T.dmatrix('d')
        with_labels = [
            objectives.categorical_crossentropy(T.nnet.softmax(p), labels),
            objectives.multiclass_hinge_loss(p, labels)]
        with_dist = [objectives.categorical_crossentropy(p, dist),
                     objectives.multiclass_hinge_loss(p, dist)]
        f_labels = [theano.function([p, labels], loss, mode=MODE)
                    for loss in with_labels]
        f_dist = [theano.function([p, dist], loss, mode=MODE)
                  for loss in with_dist]
        predictions = np.full((4, 3), 1 / 3.)
        for f in f_labels:
            assert f(predictions, np.zeros(4, 'int32')).shape == (4,)
            for length in [1, 3, 5]:
                with pytest.raises(ValueError):
                    f(predictions, np.zeros(length, 'int32'))
        for f in f_dist:
            assert f(predictions, np.eye(3)[[0, 1, 2, 0]]).shape == (4,)
            for shape in [(4, 2), (4, 4), (1, 3), (3, 3)]:
                with pytest.raises(ValueError):
                    f(predictions, np.eye(*shape))

    @pytest.mark.parametrize('objective', [
        objectives.categorical_crossentropy,
        objectives.multiclass_hinge_loss,
        objectives.categorical_accuracy])
    def test_rank_mismatch(self, objective):
        with pytest.raises(TypeError, match="predictions have 2 dimensions "
                           "and targets 3; expected class indices "
                           r"\(1 dimensions\) or one-hot"):
            objective(T.dmatrix(), T.dtensor3())
        with pytest.raises(TypeError, match="targets 0"):
            objective(T.dmatrix(), T.iscalar())

    @pytest.mark.parametrize('objective', [
        objectives.categorical_crossentropy,
        objectives.multiclass_hinge_loss])
    def test_float_class_indices_refused(self, objective):
        with pytest.raises(TypeError, match="must be integer class indices, "
                           "got dtype float64"):
            objective(T.dmatrix(), T.dvector())

    @pytest.mark.parametrize('objective', [
        objectives.categorical_crossentropy,
        objectives.multiclass_hinge_loss])
    def test_float32_stays_float32(self, objective):
        assert objective(T.fmatrix(), T.ivector()).dtype == 'float32'
        assert objective(T.fmatrix(), T.fmatrix()).dtype == 'float32'


def test_saturated_sigmoid_and_softmax_stay_finite():
    # Theano's stability rewrites of log(sigmoid) and log(softmax) must
    # still apply to the losses: finite values and gradients for logits
    # far beyond where the probabilities round to 0 and 1.
    x, t = T.dvector('x'), T.dvector('t')
    z, dist = T.dmatrix('z'), T.dmatrix('dist')
    bce = objectives.binary_crossentropy(T.nnet.sigmoid(x), t).sum()
    cce = objectives.categorical_crossentropy(T.nnet.softmax(z), dist).sum()
    f = theano.function([x, t, z, dist],
                        [bce, T.grad(bce, x), cce, T.grad(cce, z)],
                        mode=MODE)
    xv = np.array([800., -800., 800., -800., 1.5])
    tv = np.array([1., 0., 0., 1., 0.3])
    zv = np.array([[1000., 0., -1000.], [1000., 0., -1000.], [1., 2., 3.]])
    dv = np.array([[1., 0., 0.], [0., 0., 1.], [0.2, 0.3, 0.5]])
    bce_v, bce_g, cce_v, cce_g = f(xv, tv, zv, dv)
    # log(1 + exp(-|x|)) + max(x, 0) - x t: the stable form of the loss.
    expected = np.log1p(np.exp(-np.abs(xv))) + np.maximum(xv, 0) - xv * tv
    assert np.allclose(bce_v, expected.sum())
    assert np.allclose(bce_g, np_sigmoid(xv) - tv)
    log_softmax = zv - zv.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    assert np.allclose(cce_v, -(dv * log_softmax).sum())
    assert np.allclose(cce_g, np_softmax(zv) - dv)


def test_crossentropy_gradients_of_probabilities():
    rng = np.random.RandomState(42)
    p = rng.uniform(0.1, 0.9, (3, 4))
    t = (rng.uniform(size=(3, 4)) > 0.5).astype('float64')
    theano.gradient.verify_grad(
        lambda p: objectives.binary_crossentropy(p, t), [p], rng=rng,
        mode=MODE)
    soft = np_softmax(rng.normal(size=(3, 4)))
    theano.gradient.verify_grad(
        lambda p: objectives.categorical_crossentropy(p, soft), [p],
        rng=rng, mode=MODE)


@pytest.fixture(scope='module')
def aggregated():
    loss, weights = T.dmatrix('loss'), T.dmatrix('weights')
    cases = {
        'mean': objectives.aggregate(loss),
        'sum': objectives.aggregate(loss, mode='sum'),
        'w_mean': objectives.aggregate(loss, weights),
        'w_sum': objectives.aggregate(loss, weights, mode='sum'),
        'w_norm': objectives.aggregate(loss, weights, mode='normalized_sum'),
    }
    f = theano.function([loss, weights], list(cases.values()), mode=MODE)
    return lambda lv, wv: dict(zip(cases, f(lv, wv)))


class TestAggregate:

    def test_modes(self, aggregated):
        loss = np.arange(6.).reshape(2, 3)
        weights = np.array([[1., 0., 2.], [0., 1., 1.]])
        out = aggregated(loss, weights)
        assert np.allclose(out['mean'], loss.mean())
        assert np.allclose(out['sum'], loss.sum())
        assert np.allclose(out['w_mean'], (loss * weights).mean())
        assert np.allclose(out['w_sum'], (loss * weights).sum())
        assert np.allclose(out['w_norm'],
                           (loss * weights).sum() / weights.sum())

    def test_mask_of_ones_and_zeros(self, aggregated):
        loss = np.array([[1., 2., 100.], [3., 200., 4.]])
        mask = (loss < 10).astype('float64')
        assert np.allclose(aggregated(loss, mask)['w_norm'], 2.5)

    def test_weights_broadcast(self):
        # A weight per column, broadcast over the rows as NumPy does.
        loss, weights = T.dmatrix('loss'), T.dvector('weights')
        modes = ['mean', 'sum', 'normalized_sum']
        f = theano.function([loss, weights],
                            [objectives.aggregate(loss, weights, mode=mode)
                             for mode in modes], mode=MODE)
        lv = np.array([[1., 2., 3.], [4., 5., 6.]])
        wv = np.array([0.5, 0., 2.])
        mean, total, normalized = f(lv, wv)
        assert np.allclose(mean, (lv * wv).mean())
        assert np.allclose(total, (lv * wv).sum())
        # Normalized by the sum of the weights as given.
        assert np.allclose(normalized, (lv * wv).sum() / wv.sum())

    def test_normalized_sum_needs_weights(self):
        with pytest.raises(ValueError, match="normalized_sum.*requires "
                           "weights"):
            objectives.aggregate(T.dvector(), mode='normalized_sum')

    def test_unknown_mode(self):
        with pytest.raises(ValueError, match="mode must be 'mean', 'sum' or "
                           "'normalized_sum', got 'average'"):
            objectives.aggregate(T.dvector(), mode='average')
