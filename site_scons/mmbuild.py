"""mmbuild - the Python actions behind libmm's SCons aliases (imported by SConstruct).

check_exports: the shared library exports only mm_* symbols.
run_c_tests:   runs libmm/tests/test_* programs, one line each, then a summary line.
run_pytest:    runs pytest on pytests/ against build/<variant>/python.
run_programs:  runs benchmark programs/scripts, stdout tee'd to results/<name>.txt.
write_pc:      generates the pkg-config file for `scons install`.
Each returns 0 on success, non-zero to make SCons fail, like any action.
"""
import glob
import os
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.dirname(os.path.dirname(__file__)))


def _gcc_runtime(name):
    out = subprocess.run(['gcc', '-print-file-name=' + name],
                         stdout=subprocess.PIPE, text=True, check=True)
    return out.stdout.strip()


def sanitizer_env(variant, leaks):
    """Environment additions for running code of a variant."""
    if variant == 'tsan':
        return {'TSAN_OPTIONS': 'halt_on_error=1:exitcode=66'}
    if variant != 'asan':
        return {}
    return {
        'ASAN_OPTIONS': 'detect_leaks=%d:abort_on_error=0' % (1 if leaks else 0),
        'UBSAN_OPTIONS': 'print_stacktrace=1:halt_on_error=1',
    }


def variant_env(variant, python=False):
    """os.environ plus what programs of build/<variant> need."""
    build = os.path.join(TOP, 'build', variant)
    env = dict(os.environ)
    env.update(LIBMM_VARIANT=variant,
               MMBENCH=os.path.join(build, 'bin', 'mmbench'),
               PYTHON=sys.executable)
    pypath = os.path.join(build, 'python')
    env['PYTHONPATH'] = pypath + (os.pathsep + env['PYTHONPATH']
                                  if env.get('PYTHONPATH') else '')
    if os.environ.get('CI'):
        env['HYPOTHESIS_PROFILE'] = 'ci'
    env.update(sanitizer_env(variant, leaks=not python))
    if python and variant == 'asan':
        env['LD_PRELOAD'] = ' '.join([_gcc_runtime('libasan.so'),
                                      _gcc_runtime('libubsan.so')])
    return env


def check_exports(lib):
    """Every dynamic symbol libmm.so defines starts with mm_."""
    out = subprocess.run(['nm', '-D', '--defined-only', lib],
                         stdout=subprocess.PIPE, text=True)
    if out.returncode:
        return out.returncode
    names = [l.split()[-1] for l in out.stdout.splitlines() if l.strip()]
    bad = [n for n in names if not n.startswith('mm_')]
    if bad:
        print('%s exports non-mm_ symbols: %s' % (lib, ' '.join(sorted(bad))))
        return 1
    print('exports: %s defines %d symbols, all mm_*' % (lib, len(names)))
    return 0


def run_c_tests(progs, variant, timeout):
    """Run each test program from the repo root; exit 0 = pass."""
    env = variant_env(variant)
    passed = failed = 0
    print('== C tests (%s) ==' % variant)
    for prog in progs:
        name = os.path.basename(prog)
        t0 = time.time()
        try:
            r = subprocess.run([os.path.join(TOP, prog)], cwd=TOP, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout)
            rc, text = r.returncode, r.stdout.decode(errors='replace')
        except subprocess.TimeoutExpired as e:
            rc, text = 'timeout after %ds' % timeout, (e.stdout or b'').decode(errors='replace')
        dt = time.time() - t0
        if rc == 0:
            passed += 1
            print('  PASS %-32s %7.2fs' % (name, dt))
        else:
            failed += 1
            print('  FAIL %-32s %7.2fs  (exit %s)' % (name, dt, rc))
            for line in text.rstrip().splitlines()[-60:]:
                print('       | ' + line)
    print('C tests: %d passed, %d failed' % (passed, failed))
    sys.stdout.flush()
    return 1 if failed else 0


def run_pytest(variant):
    """pytest -q pytests; exit 5 (nothing collected) is fine only without test files."""
    tests = glob.glob(os.path.join(TOP, 'pytests', '**', 'test_*.py'), recursive=True) + \
        glob.glob(os.path.join(TOP, 'pytests', '**', '*_test.py'), recursive=True)
    print('== pytest (%s) ==' % variant)
    sys.stdout.flush()
    if variant == 'tsan':
        # CPython itself is not built for ThreadSanitizer: the tsan variant
        # checks libmm's threads through the C tests only
        print('pytest: not run under tsan (C tests only)')
        return 0
    r = subprocess.run([sys.executable, '-m', 'pytest', '-q', 'pytests'],
                       cwd=TOP, env=variant_env(variant, python=True))
    if r.returncode == 5 and not tests:
        print('pytest: no test files in pytests/')
        return 0
    return r.returncode


def _tee(cmd, out_path, env):
    """Run cmd from the repo root, stdout to the console and to out_path."""
    with open(out_path, 'w') as out:
        p = subprocess.Popen(cmd, cwd=TOP, env=env, stdout=subprocess.PIPE, text=True)
        for line in p.stdout:
            sys.stdout.write(line)
            out.write(line)
        return p.wait()


def run_programs(cmds):
    """cmds: list of (name, argv); stdout goes to results/<name>.txt."""
    os.makedirs(os.path.join(TOP, 'results'), exist_ok=True)
    env = variant_env('release')
    env['BUILD'] = os.path.join(TOP, 'build', 'release')
    for name, argv in cmds:
        out = os.path.join('results', name + '.txt')
        print('== bench %s -> %s ==' % (name, out))
        sys.stdout.flush()
        rc = _tee(argv, os.path.join(TOP, out), env)
        if rc:
            print('bench %s failed (exit %d)' % (name, rc))
            return rc
    return 0


PC_TEMPLATE = """\
prefix=%(prefix)s
exec_prefix=${prefix}
libdir=${exec_prefix}/lib
includedir=${prefix}/include

Name: libmm
Description: Linux kernel physical-memory allocators (buddy, pcp, SLUB, vmalloc) in userspace
Version: %(version)s
Libs: -L${libdir} -lmm -pthread
Libs.private: -lm
Cflags: -I${includedir} -pthread
"""


def write_pc(path, prefix, version):
    with open(path, 'w') as f:
        f.write(PC_TEMPLATE % {'prefix': prefix, 'version': version})
    return 0
