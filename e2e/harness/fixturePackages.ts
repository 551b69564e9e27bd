/**
 * The fixture packages every pnpm and Yarn scenario installs. Each install script appends to a
 * marker file, so "no script ran" is checked, not assumed.
 */
import { markerInstallScript } from './markers.js';
import type { FixturePackage } from './fixtureRegistry.js';

export function fixturePackages(markerDir: string): FixturePackage[] {
  const post = (label: string) => markerInstallScript(markerDir, label, 'postinstall');
  /** `payload` is appended to install.js: new content behind the same command. */
  const withScript = (version: string, label: string, payload = '') => {
    const m = post(label);
    return {
      version,
      packageJson: { scripts: m.scripts },
      files: { 'install.js': `${m.files['install.js']}${payload}` },
    };
  };
  return [
    { name: 'plain', versions: [{ version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } }] },
    { name: 'dep-of-plain', versions: [{ version: '2.0.0' }] },
    {
      name: 'with-dep',
      versions: [{ version: '1.0.0', packageJson: { dependencies: { 'dep-of-plain': '^2.0.0' } } }],
    },
    // 1.1.0 adds a postinstall that 1.0.0 did not have
    { name: 'adds-script', versions: [{ version: '1.0.0' }, withScript('1.1.0', 'adds-script')] },
    // 1.1.0 keeps the command but changes the script file's content
    {
      name: 'changes-script',
      versions: [
        withScript('1.0.0', 'changes-script'),
        withScript('1.1.0', 'changes-script', 'require("http"); // new in 1.1.0\n'),
      ],
    },
    // same install code in both versions: passes, and builds where allowed
    {
      name: 'same-script',
      versions: [withScript('1.0.0', 'same-script'), withScript('1.1.0', 'same-script')],
    },
    // 1.1.0 adds only binding.gyp: an implicit `node-gyp rebuild`
    {
      name: 'adds-gyp',
      versions: [{ version: '1.0.0' }, { version: '1.1.0', files: { 'binding.gyp': '{"targets":[]}\n' } }],
    },
    // manifest confusion: the tarball has a postinstall, the metadata shows none
    {
      name: 'confused',
      versions: [
        { version: '1.0.0' },
        { ...withScript('1.1.0', 'confused'), metadataOverride: { scripts: {} } },
      ],
    },
    { name: '@private/lib', versions: [{ version: '1.0.0' }] },
  ];
}
