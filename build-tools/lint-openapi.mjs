// Lints src/main/resources/openapi.yaml with the Redocly CLI (recommended rules, warnings as errors) and
// Spectral (spectral:oas, failing on warnings), at the versions package-lock.json pins. The Maven build runs
// it before the integration tests (`./mvnw verify`; skipped with -DskipTests or -Dopenapi.lint.skip).
//
// The tools are installed with `npm ci` into target/build-tools, once per lockfile: npm keeps what it
// downloads in its cache (~/.npm), so a later install, after `mvn clean` too, needs no network.
// Needs Node.js 20.19 or later, with npm. Exits with 1 on any finding, or when a tool cannot be installed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const documentPath = join(root, 'src', 'main', 'resources', 'openapi.yaml');
const work = join(root, 'target', 'build-tools');
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' };

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32', ...options });
  if (r.error) {
    console.error(`openapi lint: cannot run ${command}: ${r.error.message}`);
    process.exit(1);
  }
  return r.status;
}

function install() {
  const lock = join(here, 'package-lock.json');
  const installed = join(work, 'node_modules', '.package-lock.json');
  const stamp = join(work, 'package-lock.json');
  if (existsSync(installed) && existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(lock, 'utf8')) {
    return;
  }
  mkdirSync(work, { recursive: true });
  copyFileSync(join(here, 'package.json'), join(work, 'package.json'));
  copyFileSync(lock, stamp);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const status = run(npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: work });
  if (status !== 0) {
    console.error('openapi lint: npm ci failed in target/build-tools (Node.js 20.19+ with npm, and the npm registry or its cache, are needed)');
    process.exit(1);
  }
}

/** The path of a package's command-line script, from its package.json. */
function bin(pkg, name) {
  const dir = join(work, 'node_modules', ...pkg.split('/'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name]);
}

install();
const redocly = run(process.execPath, [bin('@redocly/cli', 'redocly'), 'lint', '--config', join(here, 'redocly.yaml'),
  '--format', 'stylish', documentPath], { shell: false });
const spectral = run(process.execPath, [bin('@stoplight/spectral-cli', 'spectral'), 'lint', '--ruleset', join(here, 'spectral.yaml'),
  '--fail-severity', 'warn', documentPath], { shell: false });
if (redocly !== 0 || spectral !== 0) {
  console.error(`openapi lint: ${documentPath} has findings (redocly exit ${redocly}, spectral exit ${spectral}); the build accepts none`);
  process.exit(1);
}
console.log('openapi lint: Redocly CLI and Spectral (spectral:oas) found no errors and no warnings');
