// aws-local-stepfunctions targets Node 22; Node 20 lacks Promise.withResolvers.
import '../local/polyfills';

// aws-cdk-lib's built-in CloudFormation validation (a WebAssembly rule engine) takes about 4 s of every test file
// that synthesizes, whatever the stack's size. It runs on the platform stack in test/construct/cdk-nag.test.ts,
// registered explicitly (this switch leaves explicit plugins alone), and in the global setup's `cdk synth`.
process.env.CDK_VALIDATION = 'false';
