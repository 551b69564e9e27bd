/* The benchmark's no-op Yarn plugin: the hooks the sumgate plugin registers, each passing through.
   Its install time is Yarn's floor for a plugin with these hooks. */
module.exports = {
  name: '@yarnpkg/plugin-sumgate-bench-noop',
  factory: () => {
    return {
      default: {
        hooks: {
          validateProject() {},
          reduceDependency: (dependency) => dependency,
          wrapScriptExecution: (executor) => executor,
          afterAllInstalled() {},
        },
      },
    };
  },
};
