/**
 * URI constants. Spec URIs come from the spec's lists (basic/building_blocks.md "Predefined URIs",
 * advanced/*.md); never retype them as literals at call sites. App URIs are built from a configurable
 * prefix (default `asexor`).
 */
export const WampErrorUri = {
  invalidUri: 'wamp.error.invalid_uri',
  noSuchProcedure: 'wamp.error.no_such_procedure',
  procedureAlreadyExists: 'wamp.error.procedure_already_exists',
  procedureExistsWithDifferentInvocationPolicy: 'wamp.error.procedure_exists_with_different_invocation_policy',
  noSuchRegistration: 'wamp.error.no_such_registration',
  noSuchSubscription: 'wamp.error.no_such_subscription',
  noSuchSession: 'wamp.error.no_such_session',
  noSuchRealm: 'wamp.error.no_such_realm',
  noSuchRole: 'wamp.error.no_such_role',
  noSuchPrincipal: 'wamp.error.no_such_principal',
  invalidArgument: 'wamp.error.invalid_argument',
  notAuthorized: 'wamp.error.not_authorized',
  authorizationFailed: 'wamp.error.authorization_failed',
  authenticationFailed: 'wamp.error.authentication_failed',
  protocolViolation: 'wamp.error.protocol_violation',
  canceled: 'wamp.error.canceled',
  timeout: 'wamp.error.timeout',
  noAvailableCallee: 'wamp.error.no_available_callee',
  featureNotSupported: 'wamp.error.feature_not_supported',
  optionNotAllowed: 'wamp.error.option_not_allowed',
  discloseMeNotAllowed: 'wamp.error.disclose_me.not_allowed',
  payloadSizeExceeded: 'wamp.error.payload_size_exceeded',
  runtimeError: 'wamp.error.runtime_error',
  // spec: advanced/uris.md "Authentication"
  noMatchingAuthMethod: 'wamp.error.no_matching_auth_method',
  authenticationDenied: 'wamp.error.authentication_denied',
  authenticationRequired: 'wamp.error.authentication_required',
} as const;
export type WampErrorUri = (typeof WampErrorUri)[keyof typeof WampErrorUri];

export const WampCloseUri = {
  normal: 'wamp.close.normal',
  goodbyeAndOut: 'wamp.close.goodbye_and_out',
  closeRealm: 'wamp.close.close_realm',
  systemShutdown: 'wamp.close.system_shutdown',
  killed: 'wamp.close.killed',
} as const;
export type WampCloseUri = (typeof WampCloseUri)[keyof typeof WampCloseUri];
