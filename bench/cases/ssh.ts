import type { FeatureCase } from './types';

/** Needs the SSH collector and an sshd in the farm's namespace; written once src/core/ssh lands. */
export const sshCase: FeatureCase = {
  id: 'ssh-refresh',
  label: 'SSH per-refresh latency and bytes at 10,000 remote sockets',
  feature: 'SSH collector (src/core/ssh)',
  landedWith: 'src/core/ssh',
  target: 'latency and bytes stated',
};
