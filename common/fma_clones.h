/* fma_clones.h: hardware fused multiply-add in the exact kernels, chosen
 * when the program starts, with a portable fallback.
 *
 * Why: the kit reproduces PyTorch's AVX2 kernels by writing fmaf() wherever
 * they fuse a multiply-add. fmaf(a, b, c) is a*b + c rounded once (C11
 * 7.12.13.1), however it is computed. But the kit is built for any x86-64
 * (no -mfma), so the compiler may not emit the FMA instruction: each fmaf()
 * is an out-of-line call into glibc (which then runs the instruction, or a
 * software emulation on CPUs without FMA). A call costs about 4 ns on a chain
 * of dependent operations, and torch_tanhf makes 20 of them: about 55 ns per
 * tanh (libm's tanhf: 12), nearly all of an MLP epoch. With the instruction
 * inline, about 18 ns (both measured on the kit's development machine).
 *
 * How: KIT_FMA_CLONES, written before a function's definition, is GCC's
 * function multi-versioning attribute target_clones("fma", "default"). The
 * compiler builds that function twice: an "fma" clone, in
 * which every fmaf() is one inline FMA instruction, and a "default" clone for
 * baseline x86-64, in which fmaf() stays glibc's call. When the program is
 * loaded, a resolver the compiler generates asks the CPU (cpuid, as
 * __builtin_cpu_supports("fma") does) and binds the function to the fma clone
 * if the CPU has FMA, to the default clone otherwise (a glibc "ifunc").
 * The attribute also says flatten: every function of the same file that a
 * cloned function calls is inlined into each of its clones, so the small
 * helpers (sleef.c's double-float arithmetic) get FMA instructions too; GCC
 * would otherwise keep one shared, baseline copy of a helper called from
 * several places, and the fma clones would still call glibc for it.
 *
 * Why the numbers cannot change: both clones compile the same source with the
 * same flags, only the instruction set differs. Each fmaf() is rounded once in
 * both; -ffp-contract=off still holds, so neither clone fuses anything the
 * source does not spell fmaf(); and without -ffast-math the compiler may not
 * reorder float operations (it may run independent ones in vector lanes,
 * which round each lane like the scalar instruction). test-core proves it:
 * every core suite runs twice, on this build and on a build with
 * -DKIT_NO_FMA_CLONES whose fmaf() calls are forced onto glibc's software
 * emulation (mk/core.mk).
 *
 * Where it applies: GCC on x86-64 with glibc (ifunc). Elsewhere
 * KIT_FMA_CLONES is empty and the code is the portable version: arm64 and
 * others have FMA in their base instruction set and inline fmaf() anyway;
 * other x86-64 systems (musl, macOS, Windows) keep glibc's or their libm's
 * calls. So does clang: clang 14 refuses flatten next to target_clones, and
 * names the dispatcher of an external cloned function "name.ifunc", so that
 * the other files of the kit cannot link to it.
 * Defining KIT_NO_FMA_CLONES (-DKIT_NO_FMA_CLONES) also makes it empty: one
 * portable version of each function, the one test-core checks as the fallback.
 *
 * Use it on functions that run many fmaf() per call (a loop over an array, a
 * whole tanh), not on tiny ones: a cloned function is called through a
 * pointer and cannot be inlined into its callers. Include this header only
 * from .c files; it is not part of the kit's API.
 */
#ifndef KIT_FMA_CLONES_H
#define KIT_FMA_CLONES_H

#include <math.h> /* fmaf(); with glibc it also defines __GLIBC__, tested below */

#if !defined(KIT_NO_FMA_CLONES) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && __has_attribute(flatten)
#define KIT_FMA_CLONES __attribute__((target_clones("fma", "default"), flatten))
#endif
#endif

#ifndef KIT_FMA_CLONES
#define KIT_FMA_CLONES /* one portable version (see above) */
#endif

#endif
