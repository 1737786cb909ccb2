/**
 * The reviewable part of a `plan -no-color` run's output: what `show -no-color <planfile>` prints for the
 * same plan. `plan` prints the same text between its refresh lines and the "Saved the plan to" trailer,
 * so the default workflow needs no separate `show` run (about 45 % of the tool time of a big plan).
 */
const START =
  /^(?:(?:OpenTofu|Terraform) used the selected providers|(?:OpenTofu|Terraform) will perform the following actions|No changes\.|Note: Objects have changed outside|Changes to Outputs:|Warning:|Error:)/m;
/** The rule `plan` draws before "Saved the plan to …" and the apply hint. */
const TRAILER = /^\n?─{10,}[ \t]*\n[\s\S]*$/m;

export function planTextFromPlanOutput(stdout: string): string {
  const text = stdout.replace(/\r\n?/g, '\n');
  const start = START.exec(text);
  const body = start ? text.slice(start.index) : text;
  return `\n${body.replace(TRAILER, '').replace(/\s+$/, '')}\n`;
}
