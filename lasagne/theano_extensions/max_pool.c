#section support_code_apply

/*
 * 2-D max pooling without padding and its gradient, the C code of
 * lasagne.theano_extensions.pool.MaxPool2D and MaxPool2DGrad.
 *
 * The pooled axes are the last two; any leading axes are planes pooled
 * independently. The inputs may have any strides; outputs are C-contiguous.
 * With OpenMP, threads share the planes.
 *
 * The maximum of a window is Theano's Pool's: its first element, replaced
 * by every later element (in row-major order) that is larger, so that a
 * NaN counts only as a first element, and of equal elements (0 and -0) the
 * first is kept.
 *
 * In the gradient, gx is zero except where an input element equals the
 * maximum of a window containing it: there it receives that window's gz,
 * summed over all such windows in row-major window order, exactly as
 * Theano's MaxPoolGrad computes it. Windows that do not overlap (the common
 * case) cover each element at most once, so each element of gx is written
 * once, by a loop that compilers vectorize, without zero-filling gx first
 * (where Theano's op fills, then adds, reading and writing gx twice,
 * through a generic index computation for every element).
 */

#define T DTYPE_OUTPUT_0
/* With OpenMP (Theano's openmp flag), planes are shared between threads
 * from this number of input elements on, Theano's default
 * openmp_elemwise_minsize (below it, starting the threads costs more than
 * they gain). */
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

static APPLY_SPECIFIC(strides2) APPLY_SPECIFIC(plane_strides)(
    PyArrayObject *a)
{
    APPLY_SPECIFIC(strides2) s;
    s.row = PyArray_STRIDE(a, PyArray_NDIM(a) - 2);
    s.col = PyArray_STRIDE(a, PyArray_NDIM(a) - 1);
    return s;
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

/* The pooling geometry: window (ws) and stride, checked, the input's plane
 * size (h, w), the number of windows (oh, ow), the number of planes. */
typedef struct {
    npy_intp win[2], st[2], h, w, oh, ow, planes;
} APPLY_SPECIFIC(geometry);

static int APPLY_SPECIFIC(read_pair)(PyArrayObject *v, const char *op,
                                     const char *what, npy_intp *pair)
{
    int k;
    if (PyArray_NDIM(v) != 1 || PyArray_DIM(v, 0) != 2) {
        PyErr_Format(PyExc_ValueError,
                     "%s: %s must be a vector of 2 values", op, what);
        return 1;
    }
    for (k = 0; k < 2; k++) {
        pair[k] = APPLY_SPECIFIC(int_item)(v, k);
        if (pair[k] < 1) {
            PyErr_Format(PyExc_ValueError,
                         "%s: %s must be positive, got %lld",
                         op, what, (long long)pair[k]);
            return 1;
        }
    }
    return 0;
}

static int APPLY_SPECIFIC(read_geometry)(
    PyArrayObject *x, PyArrayObject *ws, PyArrayObject *stride,
    int ignore_border, const char *op, APPLY_SPECIFIC(geometry) *g)
{
    const int nd = PyArray_NDIM(x);
    int k;
    if (APPLY_SPECIFIC(read_pair)(ws, op, "ws", g->win) ||
        APPLY_SPECIFIC(read_pair)(stride, op, "stride", g->st))
        return 1;
    g->h = PyArray_DIM(x, nd - 2);
    g->w = PyArray_DIM(x, nd - 1);
    g->oh = APPLY_SPECIFIC(pooled_size)(g->h, g->win[0], g->st[0],
                                        ignore_border);
    g->ow = APPLY_SPECIFIC(pooled_size)(g->w, g->win[1], g->st[1],
                                        ignore_border);
    g->planes = 1;
    for (k = 0; k < nd - 2; k++)
        g->planes *= PyArray_DIM(x, k);
    return 0;
}

/* Allocate *out with the shape of `like` but its last two axes (h, w),
 * unless it has that shape and is C-contiguous already. */
static int APPLY_SPECIFIC(prepare_output)(PyArrayObject **out,
                                          PyArrayObject *like, npy_intp h,
                                          npy_intp w, const char *op)
{
    const int nd = PyArray_NDIM(like);
    npy_intp dims[NPY_MAXDIMS];
    memcpy(dims, PyArray_DIMS(like), nd * sizeof(npy_intp));
    dims[nd - 2] = h;
    dims[nd - 1] = w;
    if (*out == NULL || !PyArray_IS_C_CONTIGUOUS(*out) ||
        PyArray_NDIM(*out) != nd ||
        !PyArray_CompareLists(PyArray_DIMS(*out), dims, nd)) {
        Py_XDECREF(*out);
        *out = (PyArrayObject *)PyArray_EMPTY(nd, dims, TYPENUM_OUTPUT_0, 0);
        if (*out == NULL) {
            PyErr_Format(PyExc_MemoryError, "%s: cannot allocate the output",
                         op);
            return 1;
        }
    }
    return 0;
}

/* The number of threads to share `planes` planes of `size` elements in
 * total between. */
static int APPLY_SPECIFIC(thread_count)(npy_intp planes, npy_intp size)
{
    int threads = 1;
#ifdef _OPENMP
    if (planes > 1 && size >= PARALLEL_MIN_SIZE) {
        threads = omp_get_max_threads();
        threads = threads < planes ? threads : (int)planes;
    }
#endif
    return threads;
}

/* Max pooling of one plane, 2x2 windows with stride 2 within it, rows of
 * contiguous elements. */
static void APPLY_SPECIFIC(max_2x2)(const char *x, npy_intp xrow, T *z,
                                    npy_intp oh, npy_intp ow)
{
    npy_intp i, j;
    for (i = 0; i < oh; i++) {
        const T *r0 = (const T *)(x + 2 * i * xrow);
        const T *r1 = (const T *)(x + (2 * i + 1) * xrow);
        T *zi = z + i * ow;
        for (j = 0; j < ow; j++) {
            T m = r0[2 * j], a;
            a = r0[2 * j + 1];
            m = a > m ? a : m;
            a = r1[2 * j];
            m = a > m ? a : m;
            a = r1[2 * j + 1];
            m = a > m ? a : m;
            zi[j] = m;
        }
    }
}

/* Max pooling of one plane, any windows and strides. */
static void APPLY_SPECIFIC(max_any)(const char *x, APPLY_SPECIFIC(strides2) xs,
                                    T *z, const APPLY_SPECIFIC(geometry) *g)
{
    npy_intp i, j, r, c;
    for (i = 0; i < g->oh; i++) {
        const npy_intp r0 = i * g->st[0];
        const npy_intp r1 = r0 + g->win[0] < g->h ? r0 + g->win[0] : g->h;
        for (j = 0; j < g->ow; j++) {
            const npy_intp c0 = j * g->st[1];
            const npy_intp c1 = c0 + g->win[1] < g->w ? c0 + g->win[1] : g->w;
            T m = AT(x, r0 * xs.row + c0 * xs.col);
            for (r = r0; r < r1; r++)
                for (c = c0; c < c1; c++) {
                    const T a = AT(x, r * xs.row + c * xs.col);
                    m = a > m ? a : m;
                }
            z[i * g->ow + j] = m;
        }
    }
}

int APPLY_SPECIFIC(max_pool)(PyArrayObject *x, PyArrayObject *ws,
                             PyArrayObject *stride, PyArrayObject **z,
                             PARAMS_TYPE *params)
{
    const char *op = "MaxPool2D";
    APPLY_SPECIFIC(geometry) g;
    APPLY_SPECIFIC(strides2) xs;
    npy_intp t;
    int fast, threads;

    if (APPLY_SPECIFIC(read_geometry)(x, ws, stride, params->ignore_border,
                                      op, &g) ||
        APPLY_SPECIFIC(prepare_output)(z, x, g.oh, g.ow, op))
        return 1;
    if (g.planes == 0 || g.oh == 0 || g.ow == 0)
        return 0;
    if (g.h == 0 || g.w == 0) {
        /* (windows over an empty axis: ignore_border=False with a stride
         * below the window counts one) */
        PyErr_Format(PyExc_ValueError, "%s: windows over an empty axis", op);
        return 1;
    }
    xs = APPLY_SPECIFIC(plane_strides)(x);
    /* (the last windows of ignore_border=False can be cut by the edge) */
    fast = g.win[0] == 2 && g.win[1] == 2 && g.st[0] == 2 && g.st[1] == 2 &&
           2 * g.oh <= g.h && 2 * g.ow <= g.w && xs.col == sizeof(T);
    threads = APPLY_SPECIFIC(thread_count)(g.planes, g.planes * g.h * g.w);
#ifdef _OPENMP
    #pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
#endif
    for (t = 0; t < g.planes; t++) {
        const char *xp = PyArray_BYTES(x) + APPLY_SPECIFIC(plane_offset)(x, t);
        T *zp = (T *)PyArray_DATA(*z) + t * g.oh * g.ow;
        if (fast)
            APPLY_SPECIFIC(max_2x2)(xp, xs.row, zp, g.oh, g.ow);
        else
            APPLY_SPECIFIC(max_any)(xp, xs, zp, &g);
    }
    return 0;
}

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

int APPLY_SPECIFIC(max_pool_grad)(PyArrayObject *x, PyArrayObject *maxout,
                                  PyArrayObject *gz, PyArrayObject *ws,
                                  PyArrayObject *stride, PyArrayObject **gx,
                                  PARAMS_TYPE *params)
{
    const char *op = "MaxPool2DGrad";
    const int nd = PyArray_NDIM(x);
    APPLY_SPECIFIC(geometry) g;
    APPLY_SPECIFIC(strides2) xs, ms, gs;
    T *buffer = NULL;  /* mm and gg of plane_direct, for each thread */
    npy_intp t;
    int k, overlap, threads;

    if (APPLY_SPECIFIC(read_geometry)(x, ws, stride, params->ignore_border,
                                      op, &g))
        return 1;
    for (k = 0; k < nd; k++) {
        npy_intp expected = k == nd - 2 ? g.oh : k == nd - 1 ? g.ow :
                            PyArray_DIM(x, k);
        if (PyArray_DIM(maxout, k) != expected ||
            PyArray_DIM(gz, k) != expected) {
            PyErr_Format(PyExc_ValueError,
                         "%s: maxout and gz must have %lld elements along "
                         "axis %d, got %lld and %lld", op,
                         (long long)expected, k,
                         (long long)PyArray_DIM(maxout, k),
                         (long long)PyArray_DIM(gz, k));
            return 1;
        }
    }
    if (APPLY_SPECIFIC(prepare_output)(gx, x, g.h, g.w, op))
        return 1;
    if (g.planes == 0 || g.h == 0 || g.w == 0)
        return 0;

    xs = APPLY_SPECIFIC(plane_strides)(x);
    ms = APPLY_SPECIFIC(plane_strides)(maxout);
    gs = APPLY_SPECIFIC(plane_strides)(gz);
    overlap = g.st[0] < g.win[0] || g.st[1] < g.win[1];
    threads = APPLY_SPECIFIC(thread_count)(g.planes, g.planes * g.h * g.w);
    if (!overlap) {
        buffer = (T *)malloc(threads * 2 * g.w * sizeof(T));
        if (buffer == NULL) {
            PyErr_NoMemory();
            return 1;
        }
    }
#ifdef _OPENMP
    #pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
#endif
    for (t = 0; t < g.planes; t++) {
#ifdef _OPENMP
        T *mm = buffer + omp_get_thread_num() * 2 * g.w;
#else
        T *mm = buffer;
#endif
        const char *xp = PyArray_BYTES(x) + APPLY_SPECIFIC(plane_offset)(x, t);
        const char *mp = PyArray_BYTES(maxout) +
                         APPLY_SPECIFIC(plane_offset)(maxout, t);
        const char *gp = PyArray_BYTES(gz) +
                         APPLY_SPECIFIC(plane_offset)(gz, t);
        T *out = (T *)PyArray_DATA(*gx) + t * g.h * g.w;
        if (overlap)
            APPLY_SPECIFIC(plane_accumulate)(xp, xs, mp, ms, gp, gs, out,
                                             g.h, g.w, g.oh, g.ow, g.win[0],
                                             g.win[1], g.st[0], g.st[1]);
        else
            APPLY_SPECIFIC(plane_direct)(xp, xs, mp, ms, gp, gs, out, g.h,
                                         g.w, g.oh, g.ow, g.win[0],
                                         g.win[1], g.st[0], g.st[1], mm,
                                         (APPLY_SPECIFIC(bits) *)(mm + g.w));
    }
    free(buffer);
    return 0;
}

#undef AT
#undef PARALLEL_MIN_SIZE
#undef T
