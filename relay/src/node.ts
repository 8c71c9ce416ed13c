/** What Node programs use: the uplink, and the tokens (issue viewer tokens, check them). */
export { Uplink, roomOf, restoreRequestId, type UplinkOptions, type UplinkStats } from './uplink.js';
export { signToken, verifyToken, newSecret, checkSecret, type TokenClaims } from './token.js';
export { CLOSE, HYDRATION_TYPE, REPLY_TYPES } from './wire.js';
