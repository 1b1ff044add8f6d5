import type { LabPlan } from './lab-plan.js';

/**
 * Where machines find the offline bundle: `slipway bundle serve --extra-address <host address>`
 * serves kubespray's files_repo over HTTP on 8080 and the image registry (plain HTTP) on 5000
 * at the host's address on the lab bridge.
 */
export const BUNDLE_FILES_PORT = 8080;
export const BUNDLE_REGISTRY_PORT = 5000;

export interface BundleAddress {
  filesRepo: string;
  registryHost: string;
}

export const bundleAddress = (plan: LabPlan): BundleAddress => ({
  filesRepo: `http://${plan.hostAddress}:${BUNDLE_FILES_PORT}`,
  registryHost: `${plan.hostAddress}:${BUNDLE_REGISTRY_PORT}`,
});
