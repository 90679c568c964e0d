import type * as grpc from '@grpc/grpc-js';

/** Awaits a call that must fail and returns its error (fails the test if the call succeeds). */
export async function rpcError(p: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}
