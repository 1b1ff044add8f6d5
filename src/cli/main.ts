#!/usr/bin/env node
import { runCli, type CliIO } from './cli-program.js';
import { registerClusterCommands } from './cluster-commands.js';
import { registerLocalCommands } from './local-commands.js';
import { registerServerCommands } from './server-commands.js';
import { registerToolCommands } from './tool-commands.js';

const io: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

// The order commands are listed in `slipway help`.
const commands = [registerLocalCommands, registerClusterCommands, registerServerCommands, registerToolCommands];

runCli(process.argv.slice(2), io, commands).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`slipway: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
