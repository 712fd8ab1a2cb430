#!/usr/bin/env python3
"""Fits the polynomial coefficients used by codegen-wasm/math/*.ts (Remez exchange with mpmath).

Run: python3 codegen-wasm/math/fit-coefficients.py   (needs mpmath and numpy; ~20 s)
Each fit minimises max |W(t)·(p(t) - G(t))| over an interval, where G is the function the
polynomial stands for in the TS code and W weights the error as it appears in the final result
(relative error of the function). Coefficients of f32 polynomials are printed rounded to f32.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def remez(G, W, a, b, deg, basis=lambda j, t: t**j, iters=30, grid=4000):
    n = deg + 1
    a, b = mp.mpf(a), mp.mpf(b)
    cheb = lambda i, m: a + (b - a) * (1 - mp.cos(mp.pi * i / m)) / 2
    dense = [t for t in (cheb(i, grid - 1) for i in range(grid)) if W(t) != 0]
    xs = [cheb(i, n) for i in range(n + 1)]
    xs = [x if W(x) != 0 else x + (b - a) * mp.mpf('1e-3') for x in xs]
    Gd, Wd = [G(t) for t in dense], [W(t) for t in dense]
    for _ in range(iters):
        A = mp.matrix(n + 1, n + 1)
        rhs = mp.matrix(n + 1, 1)
        for i, x in enumerate(xs):
            for j in range(n):
                A[i, j] = basis(j, x)
            A[i, n] = (-1) ** i / W(x)
            rhs[i] = G(x)
        sol = mp.lu_solve(A, rhs)
        c, E = [sol[j] for j in range(n)], sol[n]
        err = [Wd[k] * (sum(c[j] * basis(j, dense[k]) for j in range(n)) - Gd[k]) for k in range(len(dense))]
        segments, current = [], [0]
        for k in range(1, len(dense)):
            if (err[k] >= 0) == (err[current[-1]] >= 0):
                current.append(k)
            else:
                segments.append(current)
                current = [k]
        segments.append(current)
        extrema = [max(s, key=lambda k: abs(err[k])) for s in segments]
        while len(extrema) > n + 1:
            extrema.pop(0 if abs(err[extrema[0]]) < abs(err[extrema[-1]]) else -1)
        maxerr = max(abs(e) for e in err)
        if len(extrema) < n + 1 or abs(maxerr - abs(E)) < maxerr * mp.mpf('1e-6'):
            break
        xs = [dense[k] for k in extrema]
    return c, maxerr


def show(name, fit, single=True):
    c, err = fit
    values = [float(np.float32(float(x))) if single else float(x) for x in c]
    print(f'{name}  (max weighted error 2^{float(mp.log(err, 2)):.1f})')
    print('  [' + ', '.join(repr(v) for v in values) + ']')


s = lambda z: mp.sqrt(z)
LN2 = mp.log(2)
ATANH_ZMAX = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2 * mp.mpf('1.0001')
atanh_tail = lambda z: (2 * mp.atanh(s(z)) - 2 * s(z)) / (s(z) * z) if z > 1e-30 else mp.mpf(2) / 3

# exp.ts: e^r = 1 + r + r²·Q(r), |r| ≤ ln2/2
show('EXP_Q', remez(lambda r: (mp.exp(r) - 1 - r) / r**2 if abs(r) > 1e-20 else mp.mpf(1) / 2,
                    lambda r: r**2 / mp.exp(r), -LN2 / 2 - mp.mpf('1e-4'), LN2 / 2 + mp.mpf('1e-4'), 4))
# log.ts: R(z)/z = P(z), z = s² (weight: the error's share of log(1+f) ≈ 2s)
show('LOG_P', remez(atanh_tail, lambda z: z / 2, 0, ATANH_ZMAX, 2))
# pow.ts (f64): same series to f64 accuracy, and 2^r = 1 + r·Q(r) on |r| ≤ 1/2
show('LOG1P_P', remez(atanh_tail, lambda z: z / 2, 0, ATANH_ZMAX, 5), single=False)
show('EXP2_Q', remez(lambda r: (mp.power(2, r) - 1) / r if abs(r) > 1e-30 else LN2,
                     lambda r: r / mp.power(2, r), mp.mpf('-0.5001'), mp.mpf('0.5001'), 7), single=False)
# hyperbolic.ts: tanh(x) = x + x·z·P(z), z = x² ≤ 0.625²
show('TANH_P', remez(lambda z: (mp.tanh(s(z)) / s(z) - 1) / z if z > 1e-30 else -mp.mpf(1) / 3,
                     lambda z: z * s(z) / mp.tanh(s(z)) if z > 1e-30 else z, 0, mp.mpf('0.625') ** 2, 4))
# erf.ts: erf(x) = x + x·P(x²) below 0.84; erfc(a) = e^(-a²)·R(a - 0.84) on [0.84, 4]
show('ERF_SMALL_P', remez(lambda z: mp.erf(s(z)) / s(z) - 1 if z > 1e-30 else 2 / mp.sqrt(mp.pi) - 1,
                          lambda z: s(z) / mp.erf(s(z)) if z > 1e-30 else mp.sqrt(mp.pi) / 2, 0, mp.mpf('0.84') ** 2, 5))
show('ERFC_R', remez(lambda a: mp.erfc(a) * mp.exp(a * a), lambda a: mp.exp(-a * a) / mp.erf(a), mp.mpf('0.84'), 4, 8,
                     basis=lambda j, t: (t - mp.mpf('0.84')) ** j))
# trig.ts (f64): sin r = r + r·z·S(z), cos r = 1 - z/2 + z²·C(z), |r| ≤ π/4·1.001
RMAX2 = (mp.pi / 4 * mp.mpf('1.001')) ** 2
show('SIN_S', remez(lambda z: (mp.sin(s(z)) / s(z) - 1) / z if z > 1e-30 else -mp.mpf(1) / 6,
                    lambda z: z * s(z) / mp.sin(s(z)) if z > 1e-30 else z, 0, RMAX2, 3), single=False)
show('COS_C', remez(lambda z: (mp.cos(s(z)) - 1 + z / 2) / z**2 if z > 1e-30 else mp.mpf(1) / 24,
                    lambda z: z**2 / mp.cos(s(z)), 0, RMAX2, 3), single=False)
