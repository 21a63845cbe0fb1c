// Salesforce REST error responses: an array of `{ message, errorCode, fields }` with an HTTP status.

export interface SalesforceErrorBody {
  message: string;
  errorCode: string;
  fields: string[];
}

/** What a handler throws to answer with Salesforce's error shape. */
export class SalesforceError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[];
  constructor(status: number, errorCode: string, message: string, fields: string[] = []) {
    super(message);
    this.name = 'SalesforceError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }
  body(): SalesforceErrorBody[] {
    return [{ message: this.message, errorCode: this.errorCode, fields: this.fields }];
  }
}

export function invalidType(object: string): SalesforceError {
  return new SalesforceError(
    400,
    'INVALID_TYPE',
    `sObject type '${object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

export function noSuchColumn(object: string, field: string): SalesforceError {
  return new SalesforceError(
    400,
    'INVALID_FIELD',
    `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

export function notFound(): SalesforceError {
  return new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

export function insufficientAccess(): SalesforceError {
  return new SalesforceError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
}

export function malformedQuery(message: string): SalesforceError {
  return new SalesforceError(400, 'MALFORMED_QUERY', message);
}
