/* lsq.c: a small least-squares fit of weights that must add up to a total
 * and stay non-negative (the risk model's indicator weights from officers'
 * grading labels). Few unknowns (at most JY_LSQ_MAX), so the normal
 * equations with the sum as a Lagrange condition are solved by Gaussian
 * elimination, and a weight that comes out negative is fixed at 0 and the
 * rest solved again (an active set that only grows: at most k rounds). */
#include <math.h>
#include <string.h>

#include "util.h"

/* Solves a x = b (m unknowns, a row-major m x m, both overwritten) by
 * elimination with partial pivoting. -1 when singular. */
static int solve(double *a, double *b, int m, double *x)
{
    for (int c = 0; c < m; c++) {
        int p = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(a[r * m + c]) > fabs(a[p * m + c]))
                p = r;
        if (fabs(a[p * m + c]) < 1e-12)
            return -1;
        if (p != c) {
            for (int k = 0; k < m; k++) {
                double t = a[c * m + k];
                a[c * m + k] = a[p * m + k];
                a[p * m + k] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < m; r++) {
            double f = a[r * m + c] / a[c * m + c];
            for (int k = c; k < m; k++)
                a[r * m + k] -= f * a[c * m + k];
            b[r] -= f * b[c];
        }
    }
    for (int r = m - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < m; k++)
            s -= a[r * m + k] * x[k];
        x[r] = s / a[r * m + r];
    }
    return 0;
}

int jy_lsq_simplex(const double *x, const double *y, size_t n, size_t k, const double *w0,
                   double lambda, double total, double *w)
{
    if (k == 0 || k > JY_LSQ_MAX || lambda < 0 || (n == 0 && lambda == 0))
        return JY_EINVAL;
    bool zero[JY_LSQ_MAX] = {false};
    for (size_t round = 0; round <= k; round++) {
        /* the free weights, then the multiplier of the sum */
        int idx[JY_LSQ_MAX], m = 0;
        for (size_t i = 0; i < k; i++)
            if (!zero[i])
                idx[m++] = (int)i;
        if (m == 0)
            return JY_EINVAL;
        int dim = m + 1;
        double a[(JY_LSQ_MAX + 1) * (JY_LSQ_MAX + 1)], b[JY_LSQ_MAX + 1], sol[JY_LSQ_MAX + 1];
        memset(a, 0, sizeof a);
        memset(b, 0, sizeof b);
        for (int p = 0; p < m; p++) {
            for (int q = 0; q < m; q++) {
                double s = 0;
                for (size_t r = 0; r < n; r++)
                    s += x[r * k + (size_t)idx[p]] * x[r * k + (size_t)idx[q]];
                a[p * dim + q] = 2 * s + (p == q ? 2 * lambda : 0);
            }
            double s = 0;
            for (size_t r = 0; r < n; r++)
                s += x[r * k + (size_t)idx[p]] * y[r];
            b[p] = 2 * s + 2 * lambda * (w0 ? w0[idx[p]] : 0);
            a[p * dim + m] = 1;
            a[m * dim + p] = 1;
        }
        b[m] = total;
        if (solve(a, b, dim, sol))
            return JY_EINVAL;
        bool negative = false;
        for (int p = 0; p < m; p++) {
            if (sol[p] < 0) {
                zero[idx[p]] = true;
                negative = true;
            }
        }
        if (negative)
            continue;
        for (size_t i = 0; i < k; i++)
            w[i] = 0;
        for (int p = 0; p < m; p++)
            w[idx[p]] = sol[p];
        return 0;
    }
    return JY_EINVAL;
}
