/*
 * Fused batch normalization kernels for lasagne.theano_extensions.bn.
 *
 * An input is seen as an (n, c, s) block: n examples along the first axis,
 * c channels (the positions along the axes not normalized over) and s
 * positions per example and channel (the product of the axes after the
 * second when normalizing over all axes but the second, 1 when normalizing
 * over the first axis only). Every channel has m = n * s values. Inputs
 * that are not C-contiguous are copied first, so the loops below only see
 * contiguous runs: of s values of one channel (s > 1), or of the c
 * channels of one example (s == 1).
 *
 * The first part is shared; the second is instantiated for npy_float32 and
 * npy_float64 by replacing T_REAL (lasagne/theano_extensions/bn.py).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kernels stay functions of their own: inlined into Theano's generated
   code, they lose what __restrict__ tells the compiler, and with it their
   vectorization. */
#define LASAGNE_BN_KERNEL static __attribute__((noinline)) void

/* n, c and s of x. */
static void lasagne_bn_block(PyArrayObject* x, int spatial, npy_intp* n,
                             npy_intp* c, npy_intp* s)
{
    const int nd = PyArray_NDIM(x);
    const npy_intp* dims = PyArray_DIMS(x);
    int i;
    *n = dims[0];
    *c = 1;
    *s = 1;
    for (i = 1; i < nd; ++i) {
        if (spatial && i >= 2)
            *s *= dims[i];
        else
            *c *= dims[i];
    }
}

/* The shape of the statistics of x: 1 along the axes normalized over. */
static void lasagne_bn_stat_dims(PyArrayObject* x, int spatial,
                                 npy_intp* dims)
{
    const int nd = PyArray_NDIM(x);
    int i;
    for (i = 0; i < nd; ++i)
        dims[i] = (i == 0 || (spatial && i >= 2)) ? 1 : PyArray_DIMS(x)[i];
}

/* Makes *out a C-contiguous array of the given shape and type, keeping the
   array already there if it is one. */
static int lasagne_bn_output(PyArrayObject** out, int nd,
                             const npy_intp* dims, int typenum)
{
    if (*out != NULL && PyArray_NDIM(*out) == nd &&
            PyArray_TYPE(*out) == typenum &&
            PyArray_IS_C_CONTIGUOUS(*out) && PyArray_ISWRITEABLE(*out) &&
            PyArray_CompareLists(PyArray_DIMS(*out), dims, nd))
        return 0;
    Py_XDECREF(*out);
    *out = (PyArrayObject*)PyArray_EMPTY(nd, (npy_intp*)dims, typenum, 0);
    return *out == NULL ? -1 : 0;
}

/* -1 with a ValueError unless y has the shape of x. */
static int lasagne_bn_same_shape(PyArrayObject* x, PyArrayObject* y,
                                 const char* what)
{
    if (PyArray_NDIM(x) == PyArray_NDIM(y) &&
            PyArray_CompareLists(PyArray_DIMS(x), PyArray_DIMS(y),
                                 PyArray_NDIM(x)))
        return 0;
    PyErr_Format(PyExc_ValueError, "batch normalization: %s must have the "
                 "shape of the input", what);
    return -1;
}

/* ---- per dtype ---- */

/* Copies the c per-channel values of p into buf. p has the shape of the
   statistics, or a size of 1 (one value for every channel). */
static int lasagne_bn_gather_T_REAL(PyArrayObject* p, const char* what,
                                    int nd, const npy_intp* dims,
                                    npy_intp c, T_REAL* buf)
{
    npy_intp j;
    if (PyArray_NDIM(p) == nd && PyArray_CompareLists(PyArray_DIMS(p), dims,
                                                      nd)) {
        PyArrayObject* contiguous = PyArray_GETCONTIGUOUS(p);
        if (contiguous == NULL)
            return -1;
        memcpy(buf, PyArray_DATA(contiguous), c * sizeof(T_REAL));
        Py_DECREF(contiguous);
        return 0;
    }
    if (PyArray_SIZE(p) == 1) {
        const T_REAL value = *(T_REAL*)PyArray_DATA(p);
        for (j = 0; j < c; ++j)
            buf[j] = value;
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "batch normalization: %s must have a "
                 "size of 1 along the axes normalized over and the input's "
                 "size along the others", what);
    return -1;
}

/* The mean and biased variance of every channel, in double, from the sums
   of the deviations from one value of the channel (its first, shift[j])
   and of their squares: one pass, without the cancellation of plain sums
   of squares when the mean is large against the spread. The mean is
   shift[j] + delta[j], which keeps its digits beyond those of a double.
   sum2 holds c values of work space. */
LASAGNE_BN_KERNEL lasagne_bn_moments_T_REAL(
    const T_REAL* __restrict__ x, npy_intp n, npy_intp c, npy_intp s,
    double* __restrict__ shift, double* __restrict__ delta,
    double* __restrict__ var, double* __restrict__ sum2)
{
    const npy_intp m = n * s;
    npy_intp i, j, l;
    for (j = 0; j < c; ++j) {
        shift[j] = m ? (double)x[j * s] : 0.;
        delta[j] = sum2[j] = 0.;
    }
    if (s == 1) {
        for (i = 0; i < n; ++i) {
            const T_REAL* __restrict__ row = x + i * c;
            for (j = 0; j < c; ++j) {
                const double d = (double)row[j] - shift[j];
                delta[j] += d;
                sum2[j] += d * d;
            }
        }
    } else {
        for (i = 0; i < n; ++i) {
            for (j = 0; j < c; ++j) {
                const T_REAL* __restrict__ run = x + (i * c + j) * s;
                const double k = shift[j];
                double a = 0., b = 0.;
#pragma omp simd reduction(+:a, b)
                for (l = 0; l < s; ++l) {
                    const double d = (double)run[l] - k;
                    a += d;
                    b += d * d;
                }
                delta[j] += a;
                sum2[j] += b;
            }
        }
    }
    for (j = 0; j < c; ++j) {
        const double d = delta[j] / m;
        const double v = sum2[j] / m - d * d;
        delta[j] = d;
        var[j] = v < 0. ? 0. : v;
    }
}

/* y = ((x - hi) - lo) * a + b with per-channel hi, lo, a and b: the mean
   split into a value of the channel and the rest, so that the subtraction
   keeps the digits of the mean beyond those of a T_REAL. */
LASAGNE_BN_KERNEL lasagne_bn_apply_T_REAL(
    const T_REAL* __restrict__ x, T_REAL* __restrict__ y,
    npy_intp n, npy_intp c, npy_intp s,
    const T_REAL* __restrict__ hi, const T_REAL* __restrict__ lo,
    const T_REAL* __restrict__ a, const T_REAL* __restrict__ b)
{
    npy_intp i, j, l;
    if (s == 1) {
        for (i = 0; i < n; ++i) {
            const T_REAL* __restrict__ row = x + i * c;
            T_REAL* __restrict__ out = y + i * c;
            for (j = 0; j < c; ++j)
                out[j] = ((row[j] - hi[j]) - lo[j]) * a[j] + b[j];
        }
        return;
    }
    for (i = 0; i < n; ++i) {
        for (j = 0; j < c; ++j) {
            const T_REAL* __restrict__ run = x + (i * c + j) * s;
            T_REAL* __restrict__ out = y + (i * c + j) * s;
            const T_REAL h = hi[j], o = lo[j], f = a[j], g = b[j];
#pragma omp simd
            for (l = 0; l < s; ++l)
                out[l] = ((run[l] - h) - o) * f + g;
        }
    }
}

/* y = (x - mean) * a + b with per-channel mean, a and b. */
LASAGNE_BN_KERNEL lasagne_bn_affine_T_REAL(
    const T_REAL* __restrict__ x, T_REAL* __restrict__ y,
    npy_intp n, npy_intp c, npy_intp s, const T_REAL* __restrict__ mean,
    const T_REAL* __restrict__ a, const T_REAL* __restrict__ b)
{
    npy_intp i, j, l;
    if (s == 1) {
        for (i = 0; i < n; ++i) {
            const T_REAL* __restrict__ row = x + i * c;
            T_REAL* __restrict__ out = y + i * c;
            for (j = 0; j < c; ++j)
                out[j] = (row[j] - mean[j]) * a[j] + b[j];
        }
        return;
    }
    for (i = 0; i < n; ++i) {
        for (j = 0; j < c; ++j) {
            const T_REAL* __restrict__ run = x + (i * c + j) * s;
            T_REAL* __restrict__ out = y + (i * c + j) * s;
            const T_REAL mu = mean[j], f = a[j], g = b[j];
#pragma omp simd
            for (l = 0; l < s; ++l)
                out[l] = (run[l] - mu) * f + g;
        }
    }
}

/* Per channel: the sums of dy, of dy * (x - mean) and of x - mean, in
   double, each into c values. */
LASAGNE_BN_KERNEL lasagne_bn_grad_sums_T_REAL(
    const T_REAL* __restrict__ x, const T_REAL* __restrict__ dy,
    npy_intp n, npy_intp c, npy_intp s, const T_REAL* __restrict__ mean,
    double* __restrict__ sum_dy, double* __restrict__ sum_dy_xc,
    double* __restrict__ sum_xc)
{
    npy_intp i, j, l;
    for (j = 0; j < c; ++j)
        sum_dy[j] = sum_dy_xc[j] = sum_xc[j] = 0.;
    if (s == 1) {
        for (i = 0; i < n; ++i) {
            const T_REAL* __restrict__ xr = x + i * c;
            const T_REAL* __restrict__ dr = dy + i * c;
            for (j = 0; j < c; ++j) {
                const double d = (double)dr[j];
                const double xc = (double)xr[j] - (double)mean[j];
                sum_dy[j] += d;
                sum_dy_xc[j] += d * xc;
                sum_xc[j] += xc;
            }
        }
        return;
    }
    for (i = 0; i < n; ++i) {
        for (j = 0; j < c; ++j) {
            const T_REAL* __restrict__ xr = x + (i * c + j) * s;
            const T_REAL* __restrict__ dr = dy + (i * c + j) * s;
            const double mu = (double)mean[j];
            double a = 0., b = 0., e = 0.;
#pragma omp simd reduction(+:a, b, e)
            for (l = 0; l < s; ++l) {
                const double d = (double)dr[l];
                const double xc = (double)xr[l] - mu;
                a += d;
                b += d * xc;
                e += xc;
            }
            sum_dy[j] += a;
            sum_dy_xc[j] += b;
            sum_xc[j] += e;
        }
    }
}

/* dx = a * dy + b * (x - mean) + e with per-channel mean, a, b and e. */
LASAGNE_BN_KERNEL lasagne_bn_grad_apply_T_REAL(
    const T_REAL* __restrict__ x, const T_REAL* __restrict__ dy,
    T_REAL* __restrict__ dx, npy_intp n, npy_intp c, npy_intp s,
    const T_REAL* __restrict__ mean, const T_REAL* __restrict__ a,
    const T_REAL* __restrict__ b, const T_REAL* __restrict__ e)
{
    npy_intp i, j, l;
    if (s == 1) {
        for (i = 0; i < n; ++i) {
            const T_REAL* __restrict__ xr = x + i * c;
            const T_REAL* __restrict__ dr = dy + i * c;
            T_REAL* __restrict__ out = dx + i * c;
            for (j = 0; j < c; ++j)
                out[j] = a[j] * dr[j] + b[j] * (xr[j] - mean[j]) + e[j];
        }
        return;
    }
    for (i = 0; i < n; ++i) {
        for (j = 0; j < c; ++j) {
            const npy_intp start = (i * c + j) * s;
            const T_REAL* __restrict__ xr = x + start;
            const T_REAL* __restrict__ dr = dy + start;
            T_REAL* __restrict__ out = dx + start;
            const T_REAL mu = mean[j], f = a[j], g = b[j], h = e[j];
#pragma omp simd
            for (l = 0; l < s; ++l)
                out[l] = f * dr[l] + g * (xr[l] - mu) + h;
        }
    }
}

/* Training: the normalized output, the batch mean and the inverse standard
   deviation 1 / sqrt(var + epsilon). */
static int lasagne_bn_train_T_REAL(
    PyArrayObject* x_in, PyArrayObject* scale, PyArrayObject* bias,
    double epsilon, int spatial,
    PyArrayObject** out, PyArrayObject** mean, PyArrayObject** invstd)
{
    const int nd = PyArray_NDIM(x_in), typenum = PyArray_TYPE(x_in);
    npy_intp n, c, s, j, dims[NPY_MAXDIMS];
    PyArrayObject* x = NULL;
    T_REAL *buf = NULL, *gamma, *beta, *hi, *lo, *factor, *mean_out,
        *invstd_out;
    double *work = NULL;
    int status = -1;

    lasagne_bn_block(x_in, spatial, &n, &c, &s);
    lasagne_bn_stat_dims(x_in, spatial, dims);
    buf = (T_REAL*)malloc((5 * c + 1) * sizeof(T_REAL));
    work = (double*)malloc((4 * c + 1) * sizeof(double));
    if (buf == NULL || work == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    gamma = buf;
    beta = buf + c;
    hi = buf + 2 * c;
    lo = buf + 3 * c;
    factor = buf + 4 * c;
    if (lasagne_bn_gather_T_REAL(scale, "the scale", nd, dims, c, gamma) ||
            lasagne_bn_gather_T_REAL(bias, "the bias", nd, dims, c, beta) ||
            lasagne_bn_output(out, nd, PyArray_DIMS(x_in), typenum) ||
            lasagne_bn_output(mean, nd, dims, typenum) ||
            lasagne_bn_output(invstd, nd, dims, typenum))
        goto done;
    x = PyArray_GETCONTIGUOUS(x_in);
    if (x == NULL)
        goto done;

    lasagne_bn_moments_T_REAL((T_REAL*)PyArray_DATA(x), n, c, s, work,
                              work + c, work + 2 * c, work + 3 * c);
    mean_out = (T_REAL*)PyArray_DATA(*mean);
    invstd_out = (T_REAL*)PyArray_DATA(*invstd);
    for (j = 0; j < c; ++j) {
        hi[j] = (T_REAL)work[j];  /* a value of x: exact */
        lo[j] = (T_REAL)work[c + j];
        mean_out[j] = (T_REAL)(work[j] + work[c + j]);
        invstd_out[j] = (T_REAL)(1. / sqrt(work[2 * c + j] + epsilon));
        factor[j] = gamma[j] * invstd_out[j];
    }
    lasagne_bn_apply_T_REAL((T_REAL*)PyArray_DATA(x),
                            (T_REAL*)PyArray_DATA(*out), n, c, s, hi, lo,
                            factor, beta);
    status = 0;
done:
    free(buf);
    free(work);
    Py_XDECREF(x);
    return status;
}

/* The gradients of the training output for the input, the scale and the
   bias, given the output's gradient dy and the batch statistics. */
static int lasagne_bn_train_grad_T_REAL(
    PyArrayObject* x_in, PyArrayObject* dy_in, PyArrayObject* scale,
    PyArrayObject* x_mean, PyArrayObject* x_invstd, int spatial,
    PyArrayObject** dx, PyArrayObject** dscale, PyArrayObject** dbias)
{
    const int nd = PyArray_NDIM(x_in), typenum = PyArray_TYPE(x_in);
    npy_intp n, c, s, j, dims[NPY_MAXDIMS];
    PyArrayObject *x = NULL, *dy = NULL;
    T_REAL *buf = NULL, *gamma, *mu, *inv, *fa, *fb, *fe, *dscale_out,
        *dbias_out;
    double *work = NULL, m;
    int status = -1;

    lasagne_bn_block(x_in, spatial, &n, &c, &s);
    lasagne_bn_stat_dims(x_in, spatial, dims);
    m = (double)(n * s);
    buf = (T_REAL*)malloc((6 * c + 1) * sizeof(T_REAL));
    work = (double*)malloc((3 * c + 1) * sizeof(double));
    if (buf == NULL || work == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    gamma = buf;
    mu = buf + c;
    inv = buf + 2 * c;
    fa = buf + 3 * c;
    fb = buf + 4 * c;
    fe = buf + 5 * c;
    if (lasagne_bn_same_shape(x_in, dy_in, "the output gradient") ||
            lasagne_bn_gather_T_REAL(scale, "the scale", nd, dims, c,
                                     gamma) ||
            lasagne_bn_gather_T_REAL(x_mean, "the mean", nd, dims, c, mu) ||
            lasagne_bn_gather_T_REAL(x_invstd, "the inverse standard "
                                     "deviation", nd, dims, c, inv) ||
            lasagne_bn_output(dx, nd, PyArray_DIMS(x_in), typenum) ||
            lasagne_bn_output(dscale, nd, dims, typenum) ||
            lasagne_bn_output(dbias, nd, dims, typenum))
        goto done;
    x = PyArray_GETCONTIGUOUS(x_in);
    dy = PyArray_GETCONTIGUOUS(dy_in);
    if (x == NULL || dy == NULL)
        goto done;

    lasagne_bn_grad_sums_T_REAL((T_REAL*)PyArray_DATA(x),
                                (T_REAL*)PyArray_DATA(dy), n, c, s, mu,
                                work, work + c, work + 2 * c);
    dscale_out = (T_REAL*)PyArray_DATA(*dscale);
    dbias_out = (T_REAL*)PyArray_DATA(*dbias);
    for (j = 0; j < c; ++j) {
        /* dx = gamma * (dy * inv - (x - mu) * k - mean of the same), with
           k = mean(dy * (x - mu)) * inv**3 */
        const double i = (double)inv[j], g = (double)gamma[j];
        const double k = work[c + j] / m * i * i * i;
        const double offset = i * (work[j] / m) - (work[2 * c + j] / m) * k;
        fa[j] = (T_REAL)(g * i);
        fb[j] = (T_REAL)(-g * k);
        fe[j] = (T_REAL)(-g * offset);
        dscale_out[j] = (T_REAL)(i * work[c + j]);
        dbias_out[j] = (T_REAL)work[j];
    }
    lasagne_bn_grad_apply_T_REAL((T_REAL*)PyArray_DATA(x),
                                 (T_REAL*)PyArray_DATA(dy),
                                 (T_REAL*)PyArray_DATA(*dx), n, c, s, mu,
                                 fa, fb, fe);
    status = 0;
done:
    free(buf);
    free(work);
    Py_XDECREF(x);
    Py_XDECREF(dy);
    return status;
}

/* Inference: (x - mean) * (scale / sqrt(var + epsilon)) + bias, with the
   factor computed in T_REAL, as Theano's expansion does. */
static int lasagne_bn_inference_T_REAL(
    PyArrayObject* x_in, PyArrayObject* scale, PyArrayObject* bias,
    PyArrayObject* est_mean, PyArrayObject* est_var, double epsilon,
    int spatial, PyArrayObject** out)
{
    const int nd = PyArray_NDIM(x_in), typenum = PyArray_TYPE(x_in);
    const T_REAL eps = (T_REAL)epsilon;
    npy_intp n, c, s, j, dims[NPY_MAXDIMS];
    PyArrayObject* x = NULL;
    T_REAL *buf = NULL, *gamma, *beta, *mu, *var;
    int status = -1;

    lasagne_bn_block(x_in, spatial, &n, &c, &s);
    lasagne_bn_stat_dims(x_in, spatial, dims);
    buf = (T_REAL*)malloc((4 * c + 1) * sizeof(T_REAL));
    if (buf == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    gamma = buf;
    beta = buf + c;
    mu = buf + 2 * c;
    var = buf + 3 * c;
    if (lasagne_bn_gather_T_REAL(scale, "the scale", nd, dims, c, gamma) ||
            lasagne_bn_gather_T_REAL(bias, "the bias", nd, dims, c, beta) ||
            lasagne_bn_gather_T_REAL(est_mean, "the mean", nd, dims, c,
                                     mu) ||
            lasagne_bn_gather_T_REAL(est_var, "the variance", nd, dims, c,
                                     var) ||
            lasagne_bn_output(out, nd, PyArray_DIMS(x_in), typenum))
        goto done;
    x = PyArray_GETCONTIGUOUS(x_in);
    if (x == NULL)
        goto done;

    for (j = 0; j < c; ++j) {
        /* the square root of a T_REAL in double, rounded to T_REAL, is the
           correctly rounded T_REAL square root */
        gamma[j] = gamma[j] / (T_REAL)sqrt((double)(var[j] + eps));
    }
    lasagne_bn_affine_T_REAL((T_REAL*)PyArray_DATA(x),
                             (T_REAL*)PyArray_DATA(*out), n, c, s, mu, gamma,
                             beta);
    status = 0;
done:
    free(buf);
    Py_XDECREF(x);
    return status;
}
