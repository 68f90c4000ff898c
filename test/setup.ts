// aws-local-stepfunctions targets Node 22; Node 20 lacks Promise.withResolvers.
import '../local/polyfills';
