#section support_code_apply

/*
 * Gradient of 2-D max pooling without padding, the C code of
 * lasagne.theano_extensions.pool.MaxPool2DGrad.
 *
 * gx is zero except where an input element equals the maximum of a window
 * containing it: there it receives that window's gz, summed over all such
 * windows in row-major window order, exactly as Theano's MaxPoolGrad
 * computes it. The pooled axes are the last two; any leading axes are
 * planes pooled independently. The inputs may have any strides; gx is
 * C-contiguous.
 *
 * Windows that do not overlap (the common case) cover each element at most
 * once, so each element of gx is written once, by a loop that compilers
 * vectorize, without zero-filling gx first (where Theano's op fills, then
 * adds, reading and writing gx twice, through a generic index computation
 * for every element).
 */

#define T DTYPE_OUTPUT_0
/* With OpenMP (Theano's openmp flag), planes are shared between threads
 * from this number of elements on, Theano's default openmp_elemwise_minsize
 * (below it, starting the threads costs more than they gain). */
#define PARALLEL_MIN_SIZE 200000
#define AT(base, offset) (*(const T *)((const char *)(base) + (offset)))

/* The number of windows along an axis of `size` elements, as Theano's
 * Pool.out_shape counts them (with Python's floor division). */
static npy_intp APPLY_SPECIFIC(pooled_size)(npy_intp size, npy_intp window,
                                            npy_intp stride, int ignore_border)
{
    npy_intp n;
    if (ignore_border) {
        n = size - window;
        return n < 0 ? 0 : n / stride + 1;
    }
    if (stride >= window)
        n = size - 1;
    else {
        n = size - 1 - window;
        n = n < 0 ? 0 : n + stride;  /* max(0, floor(n / stride) + 1) */
    }
    return n < 0 ? 0 : n / stride + 1;
}

/* The strides of one plane (rows, columns) of an array, in bytes. */
typedef struct {
    npy_intp row, col;
} APPLY_SPECIFIC(strides2);

/* An unsigned integer type of T's size: selecting a gradient or 0 by a bit
 * mask keeps the loop free of branches (mispredicted at random inputs) in
 * its scalar parts too. */
#if ITEMSIZE_OUTPUT_0 == 4
typedef npy_uint32 APPLY_SPECIFIC(bits);
#else
typedef npy_uint64 APPLY_SPECIFIC(bits);
#endif

/* out[c] = x[c] == mm[c] ? gg[c] : 0 along a row of x with contiguous
 * elements, gg and out as bit patterns of T. */
static void APPLY_SPECIFIC(select_row)(const T *x, const T *mm,
                                       const APPLY_SPECIFIC(bits) *gg,
                                       APPLY_SPECIFIC(bits) *out, npy_intp w)
{
    npy_intp c;
    for (c = 0; c < w; c++)
        out[c] = gg[c] & -(APPLY_SPECIFIC(bits))(x[c] == mm[c]);
}

static APPLY_SPECIFIC(bits) APPLY_SPECIFIC(to_bits)(T value)
{
    APPLY_SPECIFIC(bits) b;
    memcpy(&b, &value, sizeof b);
    return b;
}

/* Windows that do not overlap (stride >= window along both axes). For each
 * band of rows covered by a row of windows, mm and gg (w elements each)
 * receive every column's window maximum and gradient (a gradient of 0 for
 * columns outside all windows), so that every row of the band is a
 * select_row; rows outside all windows get 0. */
static void APPLY_SPECIFIC(plane_direct)(
    const char *x, APPLY_SPECIFIC(strides2) xs,
    const char *m, APPLY_SPECIFIC(strides2) ms,
    const char *g, APPLY_SPECIFIC(strides2) gs, T *gx, npy_intp h,
    npy_intp w, npy_intp oh, npy_intp ow, npy_intp wh, npy_intp ww,
    npy_intp sh, npy_intp sw, T *mm, APPLY_SPECIFIC(bits) *gg)
{
    APPLY_SPECIFIC(bits) *out = (APPLY_SPECIFIC(bits) *)gx;
    npy_intp i, j, r = 0, c;
    for (i = 0; i < oh; i++) {
        const npy_intp r_end = i * sh + wh < h ? i * sh + wh : h;
        const char *mi = m + i * ms.row, *gi = g + i * gs.row;
        /* 0 + gz, not gz: Theano's sum turns a gradient of -0 into 0 */
        if (ww == 2 && sw == 2 && 2 * ow <= w) {
            for (j = 0; j < ow; j++) {
                mm[2 * j] = mm[2 * j + 1] = AT(mi, j * ms.col);
                gg[2 * j] = gg[2 * j + 1] =
                    APPLY_SPECIFIC(to_bits)((T)0 + AT(gi, j * gs.col));
            }
            c = 2 * ow;
        }
        else {
            for (j = 0, c = 0; j < ow; j++) {
                const T mv = AT(mi, j * ms.col);
                const APPLY_SPECIFIC(bits) gv =
                    APPLY_SPECIFIC(to_bits)((T)0 + AT(gi, j * gs.col));
                const npy_intp c_end = j * sw + ww < w ? j * sw + ww : w;
                for (; c < j * sw; c++) {
                    mm[c] = 0;
                    gg[c] = 0;
                }
                for (; c < c_end; c++) {
                    mm[c] = mv;
                    gg[c] = gv;
                }
            }
        }
        for (; c < w; c++) {
            mm[c] = 0;
            gg[c] = 0;
        }
        for (; r < i * sh; r++)
            memset(out + r * w, 0, w * sizeof(T));
        for (; r < r_end; r++) {
            const char *xr = x + r * xs.row;
            if (xs.col == sizeof(T))
                APPLY_SPECIFIC(select_row)((const T *)xr, mm, gg, out + r * w,
                                           w);
            else
                for (c = 0; c < w; c++)
                    out[r * w + c] = gg[c] & -(APPLY_SPECIFIC(bits))(
                        AT(xr, c * xs.col) == mm[c]);
        }
    }
    for (; r < h; r++)
        memset(out + r * w, 0, w * sizeof(T));
}

/* Overlapping windows: gx is filled with zeros, then every window adds its
 * gz where x equals its maximum, windows in row-major order. */
static void APPLY_SPECIFIC(plane_accumulate)(
    const char *x, APPLY_SPECIFIC(strides2) xs,
    const char *m, APPLY_SPECIFIC(strides2) ms,
    const char *g, APPLY_SPECIFIC(strides2) gs, T *gx, npy_intp h,
    npy_intp w, npy_intp oh, npy_intp ow, npy_intp wh, npy_intp ww,
    npy_intp sh, npy_intp sw)
{
    npy_intp i, j, r, c;
    memset(gx, 0, h * w * sizeof(T));
    for (i = 0; i < oh; i++) {
        npy_intp r_end = i * sh + wh < h ? i * sh + wh : h;
        for (j = 0; j < ow; j++) {
            const T mv = AT(m, i * ms.row + j * ms.col);
            const T gv = AT(g, i * gs.row + j * gs.col);
            npy_intp c_end = j * sw + ww < w ? j * sw + ww : w;
            for (r = i * sh; r < r_end; r++) {
                const char *xr = x + r * xs.row;
                T *out = gx + r * w;
                for (c = j * sw; c < c_end; c++)
                    if (AT(xr, c * xs.col) == mv)
                        out[c] = out[c] + gv;
            }
        }
    }
}

/* The byte offset of plane `t` (a flat index over the leading axes) in an
 * array of `ndim` axes. */
static npy_intp APPLY_SPECIFIC(plane_offset)(PyArrayObject *a, npy_intp t)
{
    npy_intp offset = 0;
    int k;
    for (k = PyArray_NDIM(a) - 3; k >= 0; k--) {
        offset += (t % PyArray_DIM(a, k)) * PyArray_STRIDE(a, k);
        t /= PyArray_DIM(a, k);
    }
    return offset;
}

/* Element k of a vector of any integer dtype. */
static npy_intp APPLY_SPECIFIC(int_item)(PyArrayObject *v, npy_intp k)
{
    const void *p = PyArray_GETPTR1(v, k);
    const int is_signed = PyArray_ISSIGNED(v);
    switch (PyArray_ITEMSIZE(v)) {
    case 1:
        return is_signed ? *(const npy_int8 *)p : *(const npy_uint8 *)p;
    case 2:
        return is_signed ? *(const npy_int16 *)p : *(const npy_uint16 *)p;
    case 4:
        return is_signed ? *(const npy_int32 *)p : *(const npy_uint32 *)p;
    default:
        return is_signed ? *(const npy_int64 *)p :
                           (npy_intp)*(const npy_uint64 *)p;
    }
}

static int APPLY_SPECIFIC(read_pair)(PyArrayObject *v, const char *what,
                                     npy_intp *pair)
{
    int k;
    if (PyArray_NDIM(v) != 1 || PyArray_DIM(v, 0) != 2) {
        PyErr_Format(PyExc_ValueError,
                     "MaxPool2DGrad: %s must be a vector of 2 values", what);
        return 1;
    }
    for (k = 0; k < 2; k++) {
        pair[k] = APPLY_SPECIFIC(int_item)(v, k);
        if (pair[k] < 1) {
            PyErr_Format(PyExc_ValueError,
                         "MaxPool2DGrad: %s must be positive, got %lld",
                         what, (long long)pair[k]);
            return 1;
        }
    }
    return 0;
}

int APPLY_SPECIFIC(max_pool_grad)(PyArrayObject *x, PyArrayObject *maxout,
                                  PyArrayObject *gz, PyArrayObject *ws,
                                  PyArrayObject *stride, PyArrayObject **gx,
                                  PARAMS_TYPE *params)
{
    const int nd = PyArray_NDIM(x);
    npy_intp win[2], st[2], h, w, oh, ow, planes = 1, t;
    APPLY_SPECIFIC(strides2) xs, ms, gs;
    T *buffer = NULL;  /* mm and gg of plane_direct, for each thread */
    int k, overlap, threads = 1;

    if (APPLY_SPECIFIC(read_pair)(ws, "ws", win) ||
        APPLY_SPECIFIC(read_pair)(stride, "stride", st))
        return 1;
    h = PyArray_DIM(x, nd - 2);
    w = PyArray_DIM(x, nd - 1);
    oh = APPLY_SPECIFIC(pooled_size)(h, win[0], st[0], params->ignore_border);
    ow = APPLY_SPECIFIC(pooled_size)(w, win[1], st[1], params->ignore_border);
    for (k = 0; k < nd; k++) {
        npy_intp expected = k == nd - 2 ? oh : k == nd - 1 ? ow :
                            PyArray_DIM(x, k);
        if (PyArray_DIM(maxout, k) != expected ||
            PyArray_DIM(gz, k) != expected) {
            PyErr_Format(PyExc_ValueError,
                         "MaxPool2DGrad: maxout and gz must have %lld "
                         "elements along axis %d, got %lld and %lld",
                         (long long)expected, k,
                         (long long)PyArray_DIM(maxout, k),
                         (long long)PyArray_DIM(gz, k));
            return 1;
        }
        if (k < nd - 2)
            planes *= expected;
    }

    if (*gx == NULL || !PyArray_IS_C_CONTIGUOUS(*gx) ||
        !PyArray_CompareLists(PyArray_DIMS(*gx), PyArray_DIMS(x), nd)) {
        Py_XDECREF(*gx);
        *gx = (PyArrayObject *)PyArray_EMPTY(nd, PyArray_DIMS(x),
                                             TYPENUM_OUTPUT_0, 0);
        if (*gx == NULL) {
            PyErr_SetString(PyExc_MemoryError,
                            "MaxPool2DGrad: cannot allocate the output");
            return 1;
        }
    }
    if (planes == 0 || h == 0 || w == 0)
        return 0;

    xs.row = PyArray_STRIDE(x, nd - 2);
    xs.col = PyArray_STRIDE(x, nd - 1);
    ms.row = PyArray_STRIDE(maxout, nd - 2);
    ms.col = PyArray_STRIDE(maxout, nd - 1);
    gs.row = PyArray_STRIDE(gz, nd - 2);
    gs.col = PyArray_STRIDE(gz, nd - 1);
    overlap = st[0] < win[0] || st[1] < win[1];
#ifdef _OPENMP
    if (planes > 1 && planes * h * w >= PARALLEL_MIN_SIZE) {
        threads = omp_get_max_threads();
        threads = threads < planes ? threads : (int)planes;
    }
#endif
    if (!overlap) {
        buffer = (T *)malloc(threads * 2 * w * sizeof(T));
        if (buffer == NULL) {
            PyErr_NoMemory();
            return 1;
        }
    }
#ifdef _OPENMP
    #pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
#endif
    for (t = 0; t < planes; t++) {
#ifdef _OPENMP
        T *mm = buffer + omp_get_thread_num() * 2 * w;
#else
        T *mm = buffer;
#endif
        const char *xp = PyArray_BYTES(x) + APPLY_SPECIFIC(plane_offset)(x, t);
        const char *mp = PyArray_BYTES(maxout) +
                         APPLY_SPECIFIC(plane_offset)(maxout, t);
        const char *gp = PyArray_BYTES(gz) +
                         APPLY_SPECIFIC(plane_offset)(gz, t);
        T *out = (T *)PyArray_DATA(*gx) + t * h * w;
        if (overlap)
            APPLY_SPECIFIC(plane_accumulate)(xp, xs, mp, ms, gp, gs, out,
                                             h, w, oh, ow, win[0], win[1],
                                             st[0], st[1]);
        else
            APPLY_SPECIFIC(plane_direct)(xp, xs, mp, ms, gp, gs, out, h, w,
                                         oh, ow, win[0], win[1], st[0],
                                         st[1], mm,
                                         (APPLY_SPECIFIC(bits) *)(mm + w));
    }
    free(buffer);
    return 0;
}

#undef AT
#undef PARALLEL_MIN_SIZE
#undef T
