import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import aslValidator from 'asl-validator';
import { repoRoot } from './stack-fixture';

/** The template `npx cdk synth` wrote (jest's global setup synthesizes it first). */
const templatePath = path.join(repoRoot, 'cdk.out', 'ProactiveAgents.template.json');
const template = JSON.parse(readFileSync(templatePath, 'utf8')) as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

/** cfn-lint findings we accept, each for a stated reason. */
const ACCEPTED = {
  // The CDK makes every function depend on its role's default policy as well as on the role it names by
  // GetAtt: the explicit DependsOn is what keeps the policy in place before the first invocation.
  W3005: 'dependency already enforced by a GetAtt',
};

describe('the synthesized template', () => {
  it('passes cfn-lint (the Python cfn-lint the machine image ships)', () => {
    const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (version.error) {
      // Absent here (it is a Python tool): say so rather than pass in silence.
      process.stderr.write(
        `cfn-lint is not installed: the template was not linted (${version.error.message})\n`,
      );
      return;
    }
    let output: string;
    try {
      output = execFileSync('cfn-lint', ['--format', 'parseable', templatePath], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const findings = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [, , , , , rule = '', message = ''] = line.split(':');
        return { rule, message, line };
      });
    expect(findings.filter((finding) => !(finding.rule in ACCEPTED)).map((finding) => finding.line)).toEqual(
      [],
    );
  });

  it('has state machine definitions that asl-validator accepts, paths and ARNs checked: the saga and the recovery watch', () => {
    const machines = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
    );
    // Substituted as CloudFormation would, with ARNs and names of the shape the resources have.
    const values: Record<string, string> = {
      PlanningFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:planning',
      LearningFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:learning',
      PolicyFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:policy',
      RecoveryWatchArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:recovery-watch',
      CheckFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:recovery-check',
      EventBusName: 'proactive-agents',
    };
    const substituted = machines.map((machine) => {
      const { DefinitionString, DefinitionSubstitutions } = machine.Properties as {
        DefinitionString: string;
        DefinitionSubstitutions: Record<string, unknown>;
      };
      return { DefinitionString, names: Object.keys(DefinitionSubstitutions).sort() };
    });
    expect(substituted.map(({ names }) => names)).toEqual(
      expect.arrayContaining([
        [
          'EventBusName',
          'LearningFunctionArn',
          'MetricsNamespace',
          'PlanningFunctionArn',
          'PolicyFunctionArn',
          'RecoveryWatchArn',
        ],
        ['CheckFunctionArn'],
      ]),
    );
    expect(machines).toHaveLength(2);
    for (const { DefinitionString } of substituted) {
      const definition = JSON.parse(
        DefinitionString.replace(/\$\{([A-Za-z]+)\}/g, (_, name: string) => values[name] ?? `\${${name}}`),
      ) as object;
      const { isValid, errorsText } = aslValidator(definition, { checkPaths: true, checkArn: true });
      expect(isValid ? '' : errorsText('\n')).toBe('');
    }
  });
});
