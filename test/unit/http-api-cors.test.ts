import { corsOf, preflightHeaders, responseCorsHeaders } from '../../local/apigateway/cors';
import { distributionOrigins } from '../../local/distribution-origins';
import { ResolvedTemplate } from '../../local/template';

const template = new ResolvedTemplate(
  {
    Resources: {
      Distribution: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
      Api: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: {
          ProtocolType: 'HTTP',
          CorsConfiguration: {
            AllowOrigins: [
              { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }]] },
            ],
            AllowMethods: ['GET', 'POST'],
            AllowHeaders: ['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token'],
            ExposeHeaders: ['content-type'],
            MaxAge: 3600,
          },
        },
      },
    },
  },
  { region: 'us-east-1', accountId: '123456789012', endpoint: '' },
  '/nonexistent',
);
const CONSOLE = 'http://127.0.0.1:4173';
const cors = corsOf(template, 'Api', distributionOrigins(template, `${CONSOLE}/`))!;

describe('the sandbox HTTP API’s CORS, from the template’s CorsConfiguration', () => {
  it('answers the local console’s preflight for a signed POST with the allowed methods and headers', () => {
    const headers = preflightHeaders(
      cors,
      CONSOLE,
      'POST',
      'authorization, x-amz-date, x-amz-security-token',
    );

    expect(headers).toEqual({
      'access-control-allow-origin': CONSOLE,
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type,x-amz-date,x-amz-security-token',
      'access-control-max-age': '3600',
    });
  });

  it('gives no CORS headers to another origin, a method or a header the API does not allow', () => {
    expect(preflightHeaders(cors, 'https://elsewhere.example', 'GET', '')).toEqual({});
    expect(preflightHeaders(cors, CONSOLE, 'DELETE', '')).toEqual({});
    expect(preflightHeaders(cors, CONSOLE, 'GET', 'x-custom')).toEqual({});
    expect(responseCorsHeaders(cors, 'https://elsewhere.example')).toEqual({});
  });

  it('keeps the template’s origin when no local console stands in for the distribution', () => {
    const asDeployed = corsOf(template, 'Api')!;

    expect(asDeployed.allowOrigins).toEqual(['https://Distribution.DomainName']);
    expect(responseCorsHeaders(asDeployed, CONSOLE)).toEqual({});
    expect(responseCorsHeaders(cors, CONSOLE)).toMatchObject({
      'access-control-allow-origin': CONSOLE,
      'access-control-expose-headers': 'content-type',
    });
  });
});
