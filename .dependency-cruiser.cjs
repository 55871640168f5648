// dependency-cruiser rules for vnfm. Run with `npm run deps:check`.
// See docs/dependencies.md for what each rule protects and how to run it.
/** @type {import('dependency-cruiser').IConfiguration} */

// Test code: everything under test/, plus spec files next to the sources.
const TEST_CODE = ['^test/', '\\.(e2e-)?spec\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycle. Cycles couple modules so they can only change (and load) together, and ' +
        'with ESM + Nest DI they give undefined-at-import-time bugs. Type-only imports count ' +
        'too: they still couple the modules. Break the cycle by moving the shared piece into a ' +
        'module both sides can depend on.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-to-app',
      severity: 'error',
      comment:
        'A library (libs/**) imports application code (apps/**). Libraries must not depend on ' +
        'the app that composes them; move the shared code into a lib.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'lib-not-to-test',
      severity: 'error',
      comment:
        'Library production code (libs/**, not a spec) imports test code (test/** or a *.spec.ts / ' +
        '*.e2e-spec.ts file). Test helpers must not leak into shipped code.',
      from: { path: '^libs/', pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'native-binding-only-via-libvirt',
      severity: 'error',
      comment:
        'Only libs/libvirt may use the native libvirt binding (libs/libvirt-native). Everything ' +
        'else goes through libs/libvirt. Allowed exceptions: libs/libvirt-native itself, the ' +
        'binding tests (test/libvirt-native/**) and the benchmarks (bench/**).',
      from: {
        pathNot: [
          '^libs/libvirt/', // the one adapter allowed to use the binding
          '^libs/libvirt-native/', // the binding's own files
          '^test/libvirt-native/', // exception: tests of the binding
          '^bench/', // exception: benchmarks of the binding
        ],
      },
      to: { path: '^libs/libvirt-native/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Import of a module that cannot be resolved (typo, missing file or package not installed).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        'Import of an npm package that is not declared in package.json (it only works because ' +
        'something else pulls it in). Add it to dependencies/devDependencies.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Build output and the native (node-gyp) build tree are not source.
    exclude: { path: ['^dist/', '^libs/libvirt-native/build/'] },
    moduleSystems: ['es6', 'cjs'],
    // Keep imports that TypeScript erases (type-only imports): they count for cycles too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      // Sources import './x.js' that maps to './x.ts' (NodeNext); dependency-cruiser maps
      // .js -> .ts/.d.ts itself when the .js does not exist, given these extensions.
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
