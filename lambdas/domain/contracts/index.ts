export * from './approvals';
export * from './errors';
export * from './governance';
export * from './parse';
export * from './operations';
export * from './platform';
export * from './registry';
export * from './retail';
