# SPDX-License-Identifier: GPL-2.0-only
"""mmbuild - the Python actions behind libmm's SCons aliases (imported by SConstruct).

check_exports: the shared library exports only mm_* symbols.
run_c_tests:   runs libmm/tests/test_* programs, one line each, then a summary line.
run_pytest:    runs pytest on pytests/ against build/<variant>/python.
run_programs:  runs benchmark programs/scripts, stdout tee'd to build/results/<name>.txt
               ($MM_RESULTS: where every benchmark writes; results/ is the curated copy).
install_library: the versioned library, its links and libmm.pc for `scons install`.
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
    """cmds: list of (name, argv); stdout goes to build/results/<name>.txt."""
    res = os.path.abspath(os.environ.get('MM_RESULTS') or os.path.join(TOP, 'build', 'results'))
    os.makedirs(res, exist_ok=True)
    env = variant_env('release')
    env['BUILD'] = os.path.join(TOP, 'build', 'release')
    env['MM_RESULTS'] = res
    for name, argv in cmds:
        out = os.path.relpath(os.path.join(res, name + '.txt'), TOP)
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
libdir=%(libdir)s
includedir=${prefix}/include

Name: libmm
Description: Linux kernel physical-memory allocators (buddy, pcp, SLUB, vmalloc) in userspace
Version: %(version)s
Libs: -L${libdir}/libmm -lmm -pthread%(rpath)s
Libs.private: -lm
Cflags: -I${includedir} -pthread
"""

SYSTEM_LIBDIRS = ('/usr/lib', '/lib', '/usr/lib/' + '%(triplet)s', '/lib/%(triplet)s',
                  '/usr/local/lib', '/usr/local/lib/%(triplet)s')


def multiarch():
    """The multiarch triplet (x86_64-linux-gnu), '' where the compiler has none."""
    for cmd in (['dpkg-architecture', '-qDEB_HOST_MULTIARCH'], ['gcc', '-print-multiarch']):
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return ''


PYDIR = """
import sys, sysconfig
prefix = sys.argv[1].rstrip('/') or '/'
names = sysconfig.get_scheme_names()
if prefix == '/usr' and 'deb_system' in names:
    print(sysconfig.get_path('platlib', 'deb_system'))
elif prefix == '/usr/local' and 'posix_local' in names:
    print(sysconfig.get_path('platlib', 'posix_local', vars={'base': '/usr', 'platbase': '/usr'}))
else:
    print(sysconfig.get_path('platlib', 'posix_prefix', vars={'base': prefix, 'platbase': prefix}))
"""


_EXT = {}


def ext_suffix(python):
    """The extension-module suffix of that interpreter (.cpython-311-x86_64-linux-gnu.so)."""
    if python not in _EXT:
        _EXT[python] = subprocess.run(
            [python, '-c', 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))'],
            stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    return _EXT[python]


def python_install_dir(python, prefix):
    """Where `python` looks for packages installed under prefix: its own
    sysconfig's answer (Debian: /usr/lib/python3/dist-packages for /usr,
    /usr/local/lib/python3.X/dist-packages for /usr/local, else
    PREFIX/lib/python3.X/site-packages)."""
    out = subprocess.run([python, '-c', PYDIR, prefix], stdout=subprocess.PIPE, text=True,
                         check=True)
    return out.stdout.strip()


def install_library(so, a, libdir, prefix, version):
    """libdir/libmm.so.VERSION, its soname link libmm.so.MAJOR, and the
    link-time names in the private libdir/libmm/ (libmm.so -> ../libmm.so.MAJOR,
    libmm.a), then libdir/pkgconfig/libmm.pc."""
    import shutil
    major = version.split('.')[0]
    private = os.path.join(libdir, 'libmm')
    os.makedirs(private, exist_ok=True)
    os.makedirs(os.path.join(libdir, 'pkgconfig'), exist_ok=True)
    real = os.path.join(libdir, 'libmm.so.' + version)
    shutil.copy2(so, real)
    for link, to in [(os.path.join(libdir, 'libmm.so.' + major), 'libmm.so.' + version),
                     (os.path.join(private, 'libmm.so'), '../libmm.so.' + major)]:
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(to, link)
    shutil.copy2(a, os.path.join(private, 'libmm.a'))
    return write_pc(os.path.join(libdir, 'pkgconfig', 'libmm.pc'), prefix, libdir, version)


def write_pc(path, prefix, libdir, version):
    """libmm.pc; an rpath to libdir when the dynamic linker does not search it."""
    triplet = multiarch()
    system = [d % {'triplet': triplet} for d in SYSTEM_LIBDIRS]
    rpath = '' if os.path.normpath(libdir) in system else ' -Wl,-rpath,${libdir}'
    if libdir.startswith(prefix.rstrip('/') + '/'):
        libdir = '${exec_prefix}' + libdir[len(prefix.rstrip('/')):]
    with open(path, 'w') as f:
        f.write(PC_TEMPLATE % {'prefix': prefix, 'libdir': libdir, 'version': version,
                               'rpath': rpath})
    print('  GEN     %s' % path)
    return 0
