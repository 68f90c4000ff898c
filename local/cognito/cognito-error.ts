/**
 * An error of the Cognito stand-in as the AWS JSON protocol answers it: `name` is the `__type`
 * (`NotAuthorizedException`, `ResourceNotFoundException`, `InvalidParameterException`), status 400 as Cognito's.
 */
export class CognitoError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * An OAuth 2.0 error of the token endpoint (RFC 6749 §5.2: `invalid_grant`, `invalid_client`, `invalid_request`,
 * `unsupported_grant_type`), answered 400 with `{ error, error_description }`.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}
