import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.js';
import { compileProject } from '../../models/compile.js';
import { describeWarehouse } from '../../warehouse/open-warehouse.js';
import { EXIT } from '../exit-codes.js';
import { print, runCommand } from '../output.js';
import { loadCliProject } from '../session.js';
import { addRunFlags, globalOptions, toRunOptions, type RunFlags } from './options.js';

export function registerCompile(program: Command): void {
  const command = program
    .command('compile [models...]')
    .description('print the compiled SQL of models (default: all), in dependency order, with their versions');
  addRunFlags(command, false).action(async (names: string[], flags: RunFlags, cmd: Command) => {
    const options = globalOptions(cmd);
    await runCommand(options, async () => {
      const project = await loadCliProject(options);
      const runOptions = toRunOptions(flags, []);
      const compiled = compileProject(project, {
        ...describeWarehouse(project.config.warehouse),
        schema: project.config.warehouse.schema,
        vars: project.config.vars,
        overrides: runOptions.vars,
      });
      // The identity model's outputs are models too (profiles, identity_graph), though no file defines them.
      const known = compiled.map((model) => model.name);
      const unknown = names.filter((name) => !known.includes(name));
      if (unknown.length > 0) throw new SluiceError('selection_invalid', `Unknown model ${unknown.join(', ')}; models: ${known.join(', ')}`);
      const selected = names.length === 0 ? compiled : compiled.filter((model) => names.includes(model.name));
      const sqlModels = selected.filter((model) => model.kind === 'sql');
      const data = sqlModels.map(({ name, version, refs, sources, sql }) => ({ name, version, refs, sources, sql }));
      // Text keeps the dependency order, with the models that identity resolution builds in their place.
      const text = selected.map((model) =>
        model.kind === 'sql'
          ? `-- ${model.name} (version ${model.version})\n${model.sql};\n`
          : `-- ${model.name} (version ${model.version}): built by identity resolution from sluice.yml\n`,
      );
      print(options, data, () => text.join('\n'));
      return EXIT.success;
    });
  });
}
