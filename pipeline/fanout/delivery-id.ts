/** Delivery ids are Redis Stream ids (`<ms>-<seq>`); both adapters order them the same way. */
export function compareDeliveryIds(left: string, right: string): number {
  const [leftMs = 0, leftSeq = 0] = left.split('-').map(Number);
  const [rightMs = 0, rightSeq = 0] = right.split('-').map(Number);
  return leftMs - rightMs || leftSeq - rightSeq;
}
