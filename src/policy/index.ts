/** Slipway's input policy: pure functions deciding what user input may reach ansible-playbook. */
export { PolicyViolation, POLICY_CODES, type PolicyCode } from './policy-error.js';
export { splitShellWords } from './shell-words.js';
export { parseExtraArgs, type ParsedExtraArgs, type ExtraArgsOptions } from './extra-args.js';
export { checkVars, checkVarName, type VarScope, type CheckVarsOptions } from './vars.js';
export { checkTemplate, checkExpression, checkConditional, hasTemplate } from './jinja.js';
export { checkPlaybook, badHostPattern } from './playbook.js';
export { ANSIBLE_VARS, SECRET_VARS } from './ansible-vars.js';
export { controllerOverrideVars, controllerOverrideArgs } from './controller-vars.js';
export { badHostAddress, badUserName } from './host-address.js';
