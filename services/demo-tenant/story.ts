import { labelGuid } from './prng';

/**
 * The Woodgrove Bank story's well-known facts. Everything here is fixed (independent of the seed and the scale) so
 * tests in any process can assert on it; times are minutes before the tenant's anchor (the clock at construction).
 *
 * Karita Rask (Finance) fell to a password spray and an MFA-fatigue attack a little under two days before the
 * anchor; the attacker then registered an authenticator and a device in her name, consented to a malicious
 * multi-tenant app, and added a client secret to the Payroll Connector app she co-owns. The conditional access gap:
 * the sign-in-risk policy is report-only, and Karita's Accounts Payable group is excluded from the user-risk policy.
 */

export const TENANT_ID = 'd3e0a7b1-0000-4000-8000-000000000001';
export const TENANT_NAME = 'Woodgrove Bank';
export const TENANT_DOMAIN = 'woodgrovebank.com';
export const INITIAL_DOMAIN = 'woodgrovebank.onmicrosoft.com';

export interface StoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

/** The people the Agents Playground signs in as; a contract with tests outside this folder (DESIGN §7). */
export const DEMO_IDENTITIES = {
  alex: {
    id: 'a1e8c7d2-0000-4000-8000-000000000020',
    userPrincipalName: 'alex@woodgrovebank.com',
    displayName: 'Alex Wilber',
  },
  adele: {
    id: 'a1e8c7d2-0000-4000-8000-000000000021',
    userPrincipalName: 'adele@woodgrovebank.com',
    displayName: 'Adele Vance',
  },
  megan: {
    id: 'a1e8c7d2-0000-4000-8000-000000000022',
    userPrincipalName: 'megan@woodgrovebank.com',
    displayName: 'Megan Bowen',
  },
} as const satisfies Record<string, StoryUser>;

export const KARITA = {
  id: '7b0c2f4e-5d8a-4e3b-9a61-3c2f1e0d9b88',
  userPrincipalName: 'karita@woodgrovebank.com',
  displayName: 'Karita Rask',
  department: 'Finance',
  jobTitle: 'Accounts Payable Specialist',
  city: 'Seattle',
} as const;

/** Karita's manager. */
export const LIDIA = {
  id: '6e22f78c-7d60-4049-9654-03a642c63c4f',
  userPrincipalName: 'lidia@woodgrovebank.com',
  displayName: 'Lidia Holloway',
} as const;

/** ben@ is medium risk; a second "Ben…" makes a lookup by the name "Ben" ambiguous. */
export const BEN = {
  id: 'c3e104a4-012b-496b-8331-81ac023fcf07',
  userPrincipalName: 'ben@woodgrovebank.com',
  displayName: 'Ben Walters',
} as const;

export const BEN_ANDERSEN = {
  id: '4094541f-6e27-4cd3-b41c-4cb058893d95',
  userPrincipalName: 'ben.andersen@woodgrovebank.com',
  displayName: 'Ben Andersen',
} as const;

/** Other risky users: high (leaked credentials), low (unlikely travel), and one whose risk was dismissed. */
export const GRADY = {
  id: 'dd289476-f2c7-4560-9ca9-9eb7de3bf01b',
  userPrincipalName: 'grady@woodgrovebank.com',
  displayName: 'Grady Archie',
} as const;

export const JONI = {
  id: 'a17e97f1-7cd0-4dce-a8e8-ad0e4db6ad3a',
  userPrincipalName: 'joni@woodgrovebank.com',
  displayName: 'Joni Sherman',
} as const;

export const DIEGO = {
  id: 'd080c7a1-8fb3-4686-bb26-f55b2b28c82b',
  userPrincipalName: 'diego@woodgrovebank.com',
  displayName: 'Diego Siciliani',
} as const;

/** The tenant's IT director and Global Administrator; he performs the ordinary admin activity in the audit log. */
export const IRVIN = {
  id: 'f252dc08-3f44-4644-b15e-630e8b965b3f',
  userPrincipalName: 'irvin@woodgrovebank.com',
  displayName: 'Irvin Sayers',
} as const;

/** The scale knob's heavy user: `heavyUserSignIns` sign-ins in the 48 hours before the anchor. */
export const HEAVY_USER = {
  id: '7dcaab93-ec0c-4cb5-872c-50098a46b65e',
  userPrincipalName: 'heavy.user@woodgrovebank.com',
  displayName: 'Heavy User',
} as const;

/** Directory strings are attacker-controlled; these must reach an analyst as text, never as markup or code. */
export const HOSTILE_USER = {
  id: '230ce61a-f748-449e-b3b5-9625d4535669',
  userPrincipalName: 'markdown.test@woodgrovebank.com',
  displayName: '[click me](http://evil.example)',
} as const;

export const BREAK_GLASS = {
  id: '6120620d-503d-48af-8be4-bfc20f4fbbda',
  userPrincipalName: 'breakglass@woodgrovebank.com',
  displayName: 'Break Glass Admin',
} as const;

export const GROUPS = {
  allEmployees: { id: 'edba727c-0702-4921-914d-8c4185c10ddd', displayName: 'All Employees' },
  finance: { id: 'f6acd6ae-6625-437a-b06e-2a7a6dbf660c', displayName: 'Finance' },
  financeAccountsPayable: {
    id: '87a8924a-05e6-45f3-9594-e9761c9d9d47',
    displayName: 'Finance - Accounts Payable',
  },
  financeAppsAccess: { id: '84afbdd6-5c4d-4ac1-9545-1b091186c206', displayName: 'Finance Apps Access' },
  wardenResponders: { id: '5cc1d829-814e-4dc9-a4f7-34f484dd9090', displayName: 'Warden Responders' },
  wardenRemediators: { id: 'd5c63875-0195-4012-a80e-1a454908b830', displayName: 'Warden Remediators' },
  mfaExclusion: {
    id: '3bb2f52c-ff82-40fd-b472-0af274a2f7b6',
    displayName: 'MFA Exclusion - Service Accounts',
  },
  marketing: { id: '79f3718c-d75c-4e42-b3c1-8568201e71e4', displayName: 'Marketing' },
  sales: { id: '203439f1-36ba-4ec6-b57c-6915f4e0f558', displayName: 'Sales' },
  it: { id: '19240847-be35-4a57-84c3-ee6653a4a43f', displayName: 'IT' },
  humanResources: { id: '006457fc-1763-43d6-b45c-cc52bb4f6c93', displayName: 'Human Resources' },
  operations: { id: 'cb898b58-3528-4b45-9509-9190ffcae4f1', displayName: 'Operations' },
  legal: { id: '268a6844-a2c2-405f-9d53-81dfb8d56c21', displayName: 'Legal' },
  retailBanking: { id: 'e5b5d398-70f6-42fb-aa69-01a437527faf', displayName: 'Retail Banking' },
  securityOperations: { id: '97fb9b0f-9e43-48eb-a3c5-a26bec441b0f', displayName: 'Security Operations' },
} as const;

/** Directory role objects (tenant-specific ids) with their global role template ids. */
export const ROLES = {
  globalAdministrator: {
    id: 'fc9af35a-432d-4517-a2a9-6221c9765cfd',
    roleTemplateId: '62e90394-69f5-4237-9190-012177145e10',
    displayName: 'Global Administrator',
  },
  securityAdministrator: {
    id: '934be3c7-da93-4323-8297-5cd09ad8d43e',
    roleTemplateId: '194ae4cb-b126-40b2-bd5b-6091b380977d',
    displayName: 'Security Administrator',
  },
  securityReader: {
    id: '6c52b0e0-3b54-467e-8c7d-d5d53f3b8374',
    roleTemplateId: '5d6b6bb7-de71-4623-b4af-96380a352509',
    displayName: 'Security Reader',
  },
} as const;

/** The attacker's infrastructure, all in documentation ranges (RFC 5737). */
export const ATTACKER = {
  /** Anonymizing VPN exit used for the MFA-fatigue attack and the session afterwards. */
  anonymizerIp: '203.0.113.45',
  anonymizerLocation: { city: 'Amsterdam', state: 'North Holland', countryOrRegion: 'NL' },
  /** Where the stolen session was replayed from: a country Karita never signs in from. */
  foreignIp: '203.0.113.77',
  foreignLocation: { city: 'Lagos', state: 'Lagos', countryOrRegion: 'NG' },
  /** The spray rotated through this block; Karita's password was accepted from `sprayHitIp`. */
  sprayIpPrefix: '198.51.100.',
  sprayHitIp: '198.51.100.23',
  sprayLocation: { city: 'Frankfurt am Main', state: 'Hesse', countryOrRegion: 'DE' },
  /** The Payroll Connector secret was used from here. */
  workloadIp: '203.0.113.88',
} as const;

/** Karita's ordinary pattern: the Seattle office egress and her compliant laptop. */
export const KARITA_USUAL = {
  ip: '192.0.2.14',
  location: { city: 'Seattle', state: 'Washington', countryOrRegion: 'US' },
} as const;

export const DEVICES = {
  karitaLaptop: {
    id: '4c1d3e2a-9f87-4b6a-8c21-0e5f6a7b8c9d',
    deviceId: '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
    displayName: 'KARITA-LT01',
  },
  /** Workplace-registered by the attacker, not compliant, not managed. */
  attackerDevice: {
    id: '91fce286-fad0-4d03-b811-7e48780039c8',
    deviceId: '98268dea-bdfb-41ac-bcda-cce7b7297123',
    displayName: 'DESKTOP-7Q2M4KX',
  },
} as const;

export const AUTH_METHODS = {
  /** The attacker's phone, registered as Microsoft Authenticator in Karita's name. */
  attackerAuthenticator: { id: '95802ef3-3b24-4b3a-a867-b01313714a7c', displayName: 'SM-A515F' },
  karitaAuthenticator: { id: '26c111dd-06be-49a8-8509-926fa83b9243', displayName: 'iPhone 14' },
} as const;

export interface StoryApp {
  appId: string;
  servicePrincipalId: string;
  displayName: string;
}

/** Payroll Connector is the risky workload: Mail.ReadWrite (application), and a client secret the attacker added. */
export const PAYROLL_CONNECTOR = {
  appId: '606a21da-ca9e-4f69-82ee-59df31668d20',
  servicePrincipalId: '3ff624ff-58b7-406d-9357-d9fae94fbf98',
  applicationId: 'c10ca640-09b6-47e3-ae89-c1a634a09f73',
  displayName: 'Payroll Connector',
  /** keyId of the secret added from Karita's compromised session. */
  attackerSecretKeyId: 'eb5db0a5-07c1-4b24-b7f2-9f660fd23811',
} as const;

export const HR_SYNC = {
  appId: 'bc1afaf3-f81f-4554-8a1e-57b50abac383',
  servicePrincipalId: '5e687eed-9915-4f30-ac67-c2167d6a4e9c',
  applicationId: 'ad952416-3557-4f5d-b68f-7235a31ff6e2',
  displayName: 'HR Sync',
} as const;

/** The multi-tenant app Karita "consented" to; its publisher controls the name, hence the hostile characters. */
export const SUSPICIOUS_APP = {
  appId: '325e9fb3-abf8-4d54-ba01-3742c8dedd06',
  servicePrincipalId: 'c2c2723f-c8c8-42a9-8607-3a01d8accb1b',
  displayName: 'Secure Docs Viewer "} ${x}',
  publisherTenantId: '0391c7e9-829c-4561-b40f-57f2c71b8d96',
  grantId: 'UFxN9X8R70q7KtYTkW1ek8LCcj_IyKlChgc6AdjKyxs',
  scope: 'Mail.Read Files.ReadWrite.All offline_access User.Read',
} as const;

export const CA_POLICIES = {
  requireMfa: { id: '0d3f5051-ee78-47fc-a902-9719cb20a352', displayName: 'CA001: Require MFA for all users' },
  blockLegacyAuth: {
    id: '8b5e23f2-b146-40cf-9a1b-f240f210e7c4',
    displayName: 'CA002: Block legacy authentication',
  },
  /** The gap: report-only, so Karita's high-risk sign-in was only reported, not blocked. */
  signInRisk: {
    id: '92c5bb08-d297-47ca-961c-317f986b033d',
    displayName: 'CA003: Block medium and high sign-in risk',
  },
  /** The second gap: excludes Finance - Accounts Payable (quarter-end exception), so Karita was never forced to reset. */
  userRisk: {
    id: '541d9d79-a421-4076-b834-71de09c5d573',
    displayName: 'CA004: Require password change for high user risk',
  },
  compliantDevice: {
    id: 'd4dffc0c-5de5-49f7-9a94-c3d00ae3d92d',
    displayName: 'CA005: Require compliant device for Finance apps',
  },
} as const;

/** Minutes before the anchor. Everything lands inside "the past 48 hours". */
export const TIMELINE = {
  sprayStart: 44 * 60,
  sprayPasswordAccepted: 43 * 60 + 16,
  mfaFatigueStart: 43 * 60 + 5,
  compromise: 42 * 60 + 43,
  authenticatorRegistered: 42 * 60 + 30,
  deviceRegistered: 42 * 60 + 10,
  consentGranted: 41 * 60 + 50,
  payrollSecretAdded: 41 * 60 + 30,
  foreignSignIn: 40 * 60,
  payrollSecretUsed: 39 * 60,
  sessionReplay: 20 * 60,
} as const;

/** Failed password attempts against Karita before the spray found her password, and MFA prompts she refused. */
export const KARITA_SPRAY_FAILURES = 14;
export const KARITA_MFA_DENIALS = 12;

/** Sign-in, correlation and detection ids the story's cross-references use. */
export const STORY_IDS = {
  sprayHitSignIn: labelGuid('sign-in:karita:spray-hit'),
  sprayHitCorrelation: labelGuid('correlation:karita:spray-hit'),
  compromiseSignIn: labelGuid('sign-in:karita:compromise'),
  compromiseCorrelation: labelGuid('correlation:karita:compromise'),
  foreignSignIn: labelGuid('sign-in:karita:foreign'),
  foreignCorrelation: labelGuid('correlation:karita:foreign'),
  replaySignIn: labelGuid('sign-in:karita:replay'),
  replayCorrelation: labelGuid('correlation:karita:replay'),
  payrollSpSignIn: labelGuid('sign-in:payroll:secret-used'),
  detectionPasswordSpray: labelGuid('detection:karita:password-spray'),
  detectionAnonymizedIp: labelGuid('detection:karita:anonymized-ip'),
  detectionUnfamiliarFeatures: labelGuid('detection:karita:unfamiliar-features'),
  detectionUnlikelyTravel: labelGuid('detection:karita:unlikely-travel'),
  detectionReplay: labelGuid('detection:karita:replay'),
  detectionPayroll: labelGuid('detection:payroll:suspicious-sign-ins'),
} as const;

/** Microsoft first-party application ids that appear in sign-ins and as resources. */
export const FIRST_PARTY_APPS = {
  graph: { appId: '00000003-0000-0000-c000-000000000000', displayName: 'Microsoft Graph' },
  exchange: { appId: '00000002-0000-0ff1-ce00-000000000000', displayName: 'Office 365 Exchange Online' },
  sharePoint: { appId: '00000003-0000-0ff1-ce00-000000000000', displayName: 'Office 365 SharePoint Online' },
  teams: { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', displayName: 'Microsoft Teams' },
  office: { appId: 'd3590ed6-52b3-4102-aeff-aad2292ab01c', displayName: 'Microsoft Office' },
  officeHome: { appId: '4765445b-32c6-49b0-83e6-1d93765276ca', displayName: 'OfficeHome' },
  outlookMobile: { appId: '27922004-5251-4030-b22d-91ecd9a37ea4', displayName: 'Outlook Mobile' },
  azurePortal: { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', displayName: 'Azure Portal' },
  mySignins: { appId: '19db86c3-b2b9-44cc-b339-36da233a3be2', displayName: 'My Signins' },
  deviceRegistration: {
    appId: '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9',
    displayName: 'Device Registration Service',
  },
  authBroker: {
    appId: '29d9ed98-a469-4536-ade2-f981bc1d605e',
    displayName: 'Microsoft Authentication Broker',
  },
  graphPowerShell: {
    appId: '14d82eec-204b-4c2f-b7e8-296a70dab67e',
    displayName: 'Microsoft Graph Command Line Tools',
  },
} as const;

/** Graph application permissions (app role ids on the Microsoft Graph service principal). */
export const GRAPH_APP_ROLES = {
  mailReadWrite: { id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9', value: 'Mail.ReadWrite' },
  userReadAll: { id: 'df021288-bdef-4463-88db-98f22de89214', value: 'User.Read.All' },
} as const;
