/** `slipway lab`, `bundle` (they parse their own flags), `version` and `completion`. */
import { Argument, type Command } from 'commander';
import { bundleCommand } from '../bundle/bundle-command.js';
import { imagesCommand } from './images-command.js';
import { labCommand } from '../lab/lab-command.js';
import type { Registrar } from './cli-program.js';
import { completionScript, completionTree, SHELLS, type Shell } from './completion-script.js';
import { EXIT } from './exit-codes.js';
import { renderVersion, versionInfo } from './version-info.js';

/**
 * A command that parses its own arguments (its --help included): everything after its name is
 * passed to `run` as given. Its old usage-error code 3 is the convention's 2.
 */
export function passThroughCommand(r: Registrar, name: string, summary: string, run: (argv: string[]) => Promise<number>): Command {
  return r.program
    .command(name)
    .summary(summary)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action(r.action(async (args: string[]) => {
      const code = await run(args);
      return code === 3 ? EXIT.usage : code;
    }));
}

export function registerToolCommands(r: Registrar): void {
  const { program, io, action } = r;
  passThroughCommand(r, 'lab', 'machines on this host to try Slipway on (slipway lab --help)', (argv) => labCommand(argv, io));
  passThroughCommand(r, 'bundle', 'the offline bundle: binaries and images for air-gapped sites (slipway bundle --help)', (argv) => bundleCommand(argv, io));
  passThroughCommand(r, 'images', "push Slipway's images from the bundle to a registry (slipway images push --help)", (argv) => imagesCommand(argv));

  const info = (): string => renderVersion(versionInfo());
  // runCli turns a leading --version into `version`: the commit is looked up only when asked for.
  program.option('--version', 'print the version (slipway version)');
  program
    .command('version')
    .summary("print Slipway's version, commit and Kubernetes versions")
    .option('-o, --output <json>', 'json: the same as an object')
    .action(action(async (flags: { output?: string }) => {
      if (flags.output !== undefined && flags.output !== 'json') {
        io.err(`slipway version: -o takes json, not ${JSON.stringify(flags.output)}\n`);
        return EXIT.usage;
      }
      io.out(flags.output === 'json' ? `${JSON.stringify(versionInfo(), null, 2)}\n` : info());
      return EXIT.done;
    }));

  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description('Prints the completion script for the shell. bash: source <(slipway completion bash); zsh: slipway completion zsh > "${fpath[1]}/_slipway"; fish: slipway completion fish | source')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(action(async (shell: Shell) => {
      io.out(completionScript(shell, completionTree(program)));
      return EXIT.done;
    }));
}
