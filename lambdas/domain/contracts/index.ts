export * from './errors';
export * from './parse';
export * from './platform';
export * from './registry';
export * from './retail';
