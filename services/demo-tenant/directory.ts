import { Draws, indexOfGuid, indexedGuid, labelGuid, stringHash } from './prng';
import {
  AUTH_METHODS,
  BEN,
  BEN_ANDERSEN,
  BREAK_GLASS,
  DEMO_IDENTITIES,
  DEVICES,
  DIEGO,
  GRADY,
  GROUPS,
  HEAVY_USER,
  HOSTILE_USER,
  INITIAL_DOMAIN,
  IRVIN,
  JONI,
  KARITA,
  LIDIA,
  ROLES,
  TENANT_DOMAIN,
  TIMELINE,
} from './story';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** ISO-8601 UTC the way Graph writes directory timestamps: whole seconds, no fraction. */
export const isoSeconds = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export interface Office {
  name: string;
  city: string;
  state: string;
  country: string;
  countryOrRegion: string;
  /** Office egress address (RFC 5737 TEST-NET-1). */
  egressIp: string;
  latitude: number;
  longitude: number;
}

export const OFFICES: readonly Office[] = [
  {
    name: 'Seattle HQ',
    city: 'Seattle',
    state: 'Washington',
    country: 'United States',
    countryOrRegion: 'US',
    egressIp: '192.0.2.14',
    latitude: 47.6062,
    longitude: -122.3321,
  },
  {
    name: 'New York',
    city: 'New York',
    state: 'New York',
    country: 'United States',
    countryOrRegion: 'US',
    egressIp: '192.0.2.30',
    latitude: 40.7128,
    longitude: -74.006,
  },
  {
    name: 'London',
    city: 'London',
    state: 'England',
    country: 'United Kingdom',
    countryOrRegion: 'GB',
    egressIp: '192.0.2.46',
    latitude: 51.5072,
    longitude: -0.1276,
  },
  {
    name: 'Toronto',
    city: 'Toronto',
    state: 'Ontario',
    country: 'Canada',
    countryOrRegion: 'CA',
    egressIp: '192.0.2.62',
    latitude: 43.6532,
    longitude: -79.3832,
  },
];

const OFFICE_WEIGHTS: readonly (readonly [Office, number])[] = [
  [OFFICES[0], 40],
  [OFFICES[1], 25],
  [OFFICES[2], 20],
  [OFFICES[3], 15],
];

const EXTRA_PEOPLE = {
  debra: { id: 'cbc3c15b-1c22-4b5f-8e54-707e0fce749c', upn: 'debra@woodgrovebank.com', name: 'Debra Berger' },
  miriam: {
    id: '15c2fc40-499d-4639-96ce-2fe5a075f8b0',
    upn: 'miriam@woodgrovebank.com',
    name: 'Miriam Graham',
  },
  lynne: {
    id: '45eacfde-3bd9-4af9-a7ca-94bbeb279719',
    upn: 'lynne@woodgrovebank.com',
    name: 'Lynne Robbins',
  },
  isaiah: {
    id: 'b5214cb3-2ed1-4640-a407-c1e4e749a5fe',
    upn: 'isaiah@woodgrovebank.com',
    name: 'Isaiah Langer',
  },
  johanna: {
    id: '5037d52b-c0b9-454b-a793-f41147a3f58f',
    upn: 'johanna@woodgrovebank.com',
    name: 'Johanna Lorenz',
  },
  patti: {
    id: '6b7da5db-0e2a-4cd7-bb2e-bde7a84e7719',
    upn: 'patti@woodgrovebank.com',
    name: 'Patti Fernandez',
  },
  nestor: {
    id: '3001f6f2-03d9-4689-a5b1-3329cce6be50',
    upn: 'nestor@woodgrovebank.com',
    name: 'Nestor Wilke',
  },
  guest: {
    id: '4a69e06a-3df5-4994-b5aa-e795c5a8b625',
    upn: `pat_fabrikam.com#EXT#@${INITIAL_DOMAIN}`,
    name: 'Pat Kumar (Fabrikam)',
  },
} as const;

interface Department {
  name: string;
  groupId: string;
  headId: string;
  titles: readonly string[];
}

const DEPARTMENTS: readonly Department[] = [
  {
    name: 'Finance',
    groupId: GROUPS.finance.id,
    headId: LIDIA.id,
    titles: ['Accountant', 'Financial Analyst', 'Accounts Payable Clerk', 'Treasury Analyst'],
  },
  {
    name: 'Marketing',
    groupId: GROUPS.marketing.id,
    headId: EXTRA_PEOPLE.miriam.id,
    titles: ['Marketing Specialist', 'Content Writer', 'Brand Manager'],
  },
  {
    name: 'Sales',
    groupId: GROUPS.sales.id,
    headId: GRADY.id,
    titles: ['Account Executive', 'Sales Associate', 'Relationship Manager'],
  },
  {
    name: 'IT',
    groupId: GROUPS.it.id,
    headId: IRVIN.id,
    titles: ['Systems Engineer', 'Service Desk Analyst', 'Network Engineer'],
  },
  {
    name: 'Human Resources',
    groupId: GROUPS.humanResources.id,
    headId: EXTRA_PEOPLE.lynne.id,
    titles: ['HR Generalist', 'Recruiter', 'Payroll Specialist'],
  },
  {
    name: 'Operations',
    groupId: GROUPS.operations.id,
    headId: EXTRA_PEOPLE.isaiah.id,
    titles: ['Operations Analyst', 'Process Engineer', 'Operations Coordinator'],
  },
  {
    name: 'Legal',
    groupId: GROUPS.legal.id,
    headId: EXTRA_PEOPLE.johanna.id,
    titles: ['Paralegal', 'Compliance Officer', 'Counsel'],
  },
  {
    name: 'Retail Banking',
    groupId: GROUPS.retailBanking.id,
    headId: EXTRA_PEOPLE.patti.id,
    titles: ['Personal Banker', 'Teller', 'Mortgage Advisor', 'Branch Manager'],
  },
];

const DEPARTMENT_GROUPS: Record<string, string> = {
  ...Object.fromEntries(DEPARTMENTS.map((department) => [department.name, department.groupId])),
  'Security Operations': GROUPS.securityOperations.id,
};

// No first or last name starts with "Ben": a lookup for "Ben" must find exactly the story's two Bens.
// prettier-ignore
const FIRST_NAMES = [
  'Aaron', 'Abigail', 'Adrian', 'Aisha', 'Alan', 'Alicia', 'Amara', 'Andre', 'Angela', 'Anika', 'Arjun', 'Astrid',
  'Bianca', 'Bruno', 'Camila', 'Carlos', 'Chen', 'Chloe', 'Colin', 'Dana', 'Daniel', 'Deepa', 'Elena', 'Elias',
  'Emma', 'Erik', 'Farah', 'Felix', 'Fiona', 'Gabriel', 'Grace', 'Hana', 'Hassan', 'Helen', 'Hugo', 'Ines', 'Ivan',
  'Jade', 'James', 'Jasmine', 'Jonas', 'Julia', 'Kai', 'Kamala', 'Kenji', 'Laila', 'Leo', 'Lina', 'Lucas', 'Maya',
  'Mateo', 'Mei', 'Nadia', 'Nathan', 'Nia', 'Noah', 'Olga', 'Omar', 'Priya', 'Quinn', 'Rafael', 'Rosa', 'Ryan',
  'Sara', 'Sean', 'Sofia', 'Tariq', 'Tessa', 'Theo', 'Uma', 'Victor', 'Wei', 'Xavier', 'Yara', 'Yusuf', 'Zane',
  'Zoe', 'Ingrid', 'Marco', 'Leila',
] as const;

// prettier-ignore
const LAST_NAMES = [
  'Abbott', 'Achebe', 'Alvarez', 'Andersson', 'Bauer', 'Bianchi', 'Brooks', 'Castillo', 'Chandra', 'Chowdhury',
  'Costa', 'Dubois', 'Eriksen', 'Farouk', 'Fischer', 'Garcia', 'Gonzalez', 'Gupta', 'Haddad', 'Hansen', 'Hoffmann',
  'Ibrahim', 'Ito', 'Jensen', 'Johansson', 'Kapoor', 'Kim', 'Kowalski', 'Larsen', 'Lee', 'Lindqvist', 'Lopez',
  'Mahmoud', 'Martin', 'Meyer', 'Moreau', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Ortiz', 'Park',
  'Patel', 'Petrov', 'Quintero', 'Ramos', 'Reyes', 'Rossi', 'Sato', 'Schmidt', 'Silva', 'Singh', 'Sorensen',
  'Suzuki', 'Tanaka', 'Torres', 'Tran', 'Varga', 'Vogel', 'Wagner', 'Walsh', 'Weber', 'Wong', 'Yamamoto', 'Yilmaz',
  'Zhang', 'Zimmermann', 'Dahl', 'Fontaine', 'Gallo', 'Hughes', 'Iqbal', 'Jovanovic', 'Keller', 'Lambert',
  'Mensah', 'Nilsson', 'Osei', 'Ek',
] as const;

const NAME_SPACE = FIRST_NAMES.length * LAST_NAMES.length;
// A multiplier coprime with NAME_SPACE makes index -> name a bijection inside each block, so UPNs never collide.
const NAME_STRIDE = 7919;

const modInverse = (value: number, modulus: number): number => {
  let [oldR, r] = [value % modulus, modulus];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % modulus) + modulus) % modulus;
};
const NAME_STRIDE_INVERSE = modInverse(NAME_STRIDE, NAME_SPACE);

export const SALT = {
  user: stringHash('user'),
  userDetail: stringHash('user-detail'),
  device: stringHash('device'),
  deviceId: stringHash('device-id'),
  method: stringHash('authenticator'),
} as const;

/** The cheap facts a sign-in needs about its user, without building the whole profile. */
export interface Identity {
  id: string;
  userPrincipalName: string;
  displayName: string;
  office: Office;
  department: string;
  deviceId: string | null;
  deviceName: string | null;
  ambientIndex: number | null;
}

export interface UserEntry {
  /** Every property the demo tenant models, keyed as Graph names them (signInActivity is added by the caller). */
  json: Record<string, unknown>;
  identity: Identity;
  managerId: string | null;
  directGroupIds: string[];
  roleIds: string[];
}

export interface DeviceEntry {
  json: Record<string, unknown>;
  ownerId: string;
}

interface ExplicitUserSpec {
  id: string;
  upn: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  department: string | null;
  jobTitle: string | null;
  office: Office;
  managerId: string | null;
  groups?: string[];
  roles?: string[];
  createdDaysAgo: number;
  passwordDaysAgo: number;
  mobilePhone?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  userType?: 'Member' | 'Guest';
  mail?: string | null;
  laptop?: boolean;
}

const [SEATTLE, NEW_YORK, LONDON, TORONTO] = OFFICES;

const EXPLICIT_USERS: readonly ExplicitUserSpec[] = [
  {
    id: KARITA.id,
    upn: KARITA.userPrincipalName,
    displayName: KARITA.displayName,
    givenName: 'Karita',
    surname: 'Rask',
    department: KARITA.department,
    jobTitle: KARITA.jobTitle,
    office: SEATTLE,
    managerId: LIDIA.id,
    groups: [GROUPS.financeAccountsPayable.id],
    createdDaysAgo: 1412,
    passwordDaysAgo: 63,
    mobilePhone: '+1 206 555 0134',
    onPremisesSyncEnabled: true,
  },
  {
    id: DEMO_IDENTITIES.alex.id,
    upn: DEMO_IDENTITIES.alex.userPrincipalName,
    displayName: DEMO_IDENTITIES.alex.displayName,
    givenName: 'Alex',
    surname: 'Wilber',
    department: 'Security Operations',
    jobTitle: 'SOC Analyst',
    office: SEATTLE,
    managerId: DEMO_IDENTITIES.adele.id,
    groups: [GROUPS.wardenResponders.id],
    roles: [ROLES.securityReader.id],
    createdDaysAgo: 610,
    passwordDaysAgo: 41,
    mobilePhone: '+1 206 555 0161',
  },
  {
    id: DEMO_IDENTITIES.adele.id,
    upn: DEMO_IDENTITIES.adele.userPrincipalName,
    displayName: DEMO_IDENTITIES.adele.displayName,
    givenName: 'Adele',
    surname: 'Vance',
    department: 'Security Operations',
    jobTitle: 'SOC Lead',
    office: SEATTLE,
    managerId: IRVIN.id,
    groups: [GROUPS.wardenResponders.id, GROUPS.wardenRemediators.id],
    roles: [ROLES.securityAdministrator.id],
    createdDaysAgo: 1280,
    passwordDaysAgo: 22,
    mobilePhone: '+1 206 555 0109',
  },
  {
    id: DEMO_IDENTITIES.megan.id,
    upn: DEMO_IDENTITIES.megan.userPrincipalName,
    displayName: DEMO_IDENTITIES.megan.displayName,
    givenName: 'Megan',
    surname: 'Bowen',
    department: 'Marketing',
    jobTitle: 'Marketing Manager',
    office: SEATTLE,
    managerId: EXTRA_PEOPLE.miriam.id,
    createdDaysAgo: 990,
    passwordDaysAgo: 77,
    mobilePhone: '+1 206 555 0147',
  },
  {
    id: BEN.id,
    upn: BEN.userPrincipalName,
    displayName: BEN.displayName,
    givenName: 'Ben',
    surname: 'Walters',
    department: 'Retail Banking',
    jobTitle: 'Branch Manager',
    office: NEW_YORK,
    managerId: EXTRA_PEOPLE.patti.id,
    createdDaysAgo: 1733,
    passwordDaysAgo: 12,
    mobilePhone: '+1 212 555 0175',
    onPremisesSyncEnabled: true,
  },
  {
    id: BEN_ANDERSEN.id,
    upn: BEN_ANDERSEN.userPrincipalName,
    displayName: BEN_ANDERSEN.displayName,
    givenName: 'Ben',
    surname: 'Andersen',
    department: 'Operations',
    jobTitle: 'Operations Analyst',
    office: LONDON,
    managerId: EXTRA_PEOPLE.isaiah.id,
    createdDaysAgo: 402,
    passwordDaysAgo: 88,
    mobilePhone: '+44 20 7946 0321',
  },
  {
    id: LIDIA.id,
    upn: LIDIA.userPrincipalName,
    displayName: LIDIA.displayName,
    givenName: 'Lidia',
    surname: 'Holloway',
    department: 'Finance',
    jobTitle: 'Finance Director',
    office: SEATTLE,
    managerId: EXTRA_PEOPLE.debra.id,
    groups: [GROUPS.financeAppsAccess.id],
    createdDaysAgo: 2210,
    passwordDaysAgo: 30,
    mobilePhone: '+1 206 555 0122',
    onPremisesSyncEnabled: true,
  },
  {
    id: EXTRA_PEOPLE.nestor.id,
    upn: EXTRA_PEOPLE.nestor.upn,
    displayName: EXTRA_PEOPLE.nestor.name,
    givenName: 'Nestor',
    surname: 'Wilke',
    department: 'Finance',
    jobTitle: 'Senior Accountant',
    office: SEATTLE,
    managerId: LIDIA.id,
    groups: [GROUPS.financeAccountsPayable.id],
    createdDaysAgo: 1650,
    passwordDaysAgo: 54,
    onPremisesSyncEnabled: true,
  },
  {
    id: EXTRA_PEOPLE.debra.id,
    upn: EXTRA_PEOPLE.debra.upn,
    displayName: EXTRA_PEOPLE.debra.name,
    givenName: 'Debra',
    surname: 'Berger',
    department: 'Executive',
    jobTitle: 'Chief Executive Officer',
    office: SEATTLE,
    managerId: null,
    createdDaysAgo: 2890,
    passwordDaysAgo: 101,
  },
  {
    id: IRVIN.id,
    upn: IRVIN.userPrincipalName,
    displayName: IRVIN.displayName,
    givenName: 'Irvin',
    surname: 'Sayers',
    department: 'IT',
    jobTitle: 'IT Director',
    office: SEATTLE,
    managerId: EXTRA_PEOPLE.debra.id,
    roles: [ROLES.globalAdministrator.id],
    createdDaysAgo: 2540,
    passwordDaysAgo: 18,
  },
  {
    id: EXTRA_PEOPLE.miriam.id,
    upn: EXTRA_PEOPLE.miriam.upn,
    displayName: EXTRA_PEOPLE.miriam.name,
    givenName: 'Miriam',
    surname: 'Graham',
    department: 'Marketing',
    jobTitle: 'Director of Marketing',
    office: SEATTLE,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 1840,
    passwordDaysAgo: 47,
  },
  {
    id: GRADY.id,
    upn: GRADY.userPrincipalName,
    displayName: GRADY.displayName,
    givenName: 'Grady',
    surname: 'Archie',
    department: 'Sales',
    jobTitle: 'Sales Director',
    office: NEW_YORK,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 1502,
    passwordDaysAgo: 240,
  },
  {
    id: JONI.id,
    upn: JONI.userPrincipalName,
    displayName: JONI.displayName,
    givenName: 'Joni',
    surname: 'Sherman',
    department: 'Legal',
    jobTitle: 'Paralegal',
    office: LONDON,
    managerId: EXTRA_PEOPLE.johanna.id,
    createdDaysAgo: 730,
    passwordDaysAgo: 66,
  },
  {
    id: DIEGO.id,
    upn: DIEGO.userPrincipalName,
    displayName: DIEGO.displayName,
    givenName: 'Diego',
    surname: 'Siciliani',
    department: 'Human Resources',
    jobTitle: 'HR Manager',
    office: TORONTO,
    managerId: EXTRA_PEOPLE.lynne.id,
    createdDaysAgo: 1120,
    passwordDaysAgo: 9,
  },
  {
    id: EXTRA_PEOPLE.lynne.id,
    upn: EXTRA_PEOPLE.lynne.upn,
    displayName: EXTRA_PEOPLE.lynne.name,
    givenName: 'Lynne',
    surname: 'Robbins',
    department: 'Human Resources',
    jobTitle: 'HR Director',
    office: TORONTO,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 2002,
    passwordDaysAgo: 71,
  },
  {
    id: EXTRA_PEOPLE.isaiah.id,
    upn: EXTRA_PEOPLE.isaiah.upn,
    displayName: EXTRA_PEOPLE.isaiah.name,
    givenName: 'Isaiah',
    surname: 'Langer',
    department: 'Operations',
    jobTitle: 'Operations Director',
    office: LONDON,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 1777,
    passwordDaysAgo: 33,
  },
  {
    id: EXTRA_PEOPLE.johanna.id,
    upn: EXTRA_PEOPLE.johanna.upn,
    displayName: EXTRA_PEOPLE.johanna.name,
    givenName: 'Johanna',
    surname: 'Lorenz',
    department: 'Legal',
    jobTitle: 'General Counsel',
    office: LONDON,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 1390,
    passwordDaysAgo: 58,
  },
  {
    id: EXTRA_PEOPLE.patti.id,
    upn: EXTRA_PEOPLE.patti.upn,
    displayName: EXTRA_PEOPLE.patti.name,
    givenName: 'Patti',
    surname: 'Fernandez',
    department: 'Retail Banking',
    jobTitle: 'Head of Retail Banking',
    office: NEW_YORK,
    managerId: EXTRA_PEOPLE.debra.id,
    createdDaysAgo: 2120,
    passwordDaysAgo: 84,
  },
  {
    id: HEAVY_USER.id,
    upn: HEAVY_USER.userPrincipalName,
    displayName: HEAVY_USER.displayName,
    givenName: 'Heavy',
    surname: 'User',
    department: 'IT',
    jobTitle: 'Reporting Automation',
    office: SEATTLE,
    managerId: IRVIN.id,
    groups: [GROUPS.mfaExclusion.id],
    createdDaysAgo: 300,
    passwordDaysAgo: 150,
    laptop: false,
  },
  {
    id: HOSTILE_USER.id,
    upn: HOSTILE_USER.userPrincipalName,
    displayName: HOSTILE_USER.displayName,
    givenName: '<b>Mark</b>',
    surname: 'Down',
    department: 'Marketing',
    jobTitle: 'Contractor',
    office: TORONTO,
    managerId: EXTRA_PEOPLE.miriam.id,
    createdDaysAgo: 45,
    passwordDaysAgo: 45,
  },
  {
    id: BREAK_GLASS.id,
    upn: BREAK_GLASS.userPrincipalName,
    displayName: BREAK_GLASS.displayName,
    givenName: null,
    surname: null,
    department: null,
    jobTitle: null,
    office: SEATTLE,
    managerId: null,
    roles: [ROLES.globalAdministrator.id],
    createdDaysAgo: 2900,
    passwordDaysAgo: 400,
    mail: null,
    laptop: false,
  },
  {
    id: EXTRA_PEOPLE.guest.id,
    upn: EXTRA_PEOPLE.guest.upn,
    displayName: EXTRA_PEOPLE.guest.name,
    givenName: 'Pat',
    surname: 'Kumar',
    department: null,
    jobTitle: null,
    office: LONDON,
    managerId: null,
    createdDaysAgo: 200,
    passwordDaysAgo: 200,
    userType: 'Guest',
    mail: 'pat@fabrikam.com',
    laptop: false,
  },
];

/** Groups nested in other groups: membership of the key implies membership of the values. */
const NESTED_IN: Record<string, string[]> = {
  [GROUPS.financeAccountsPayable.id]: [GROUPS.financeAppsAccess.id],
};

interface GroupSpec {
  id: string;
  displayName: string;
  description: string;
  kind: 'm365-dynamic' | 'security' | 'security-dynamic';
  rule?: string;
  createdDaysAgo: number;
}

const GROUP_SPECS: readonly GroupSpec[] = [
  {
    ...GROUPS.allEmployees,
    description: 'Every Woodgrove Bank employee',
    kind: 'm365-dynamic',
    rule: 'user.userType -eq "Member"',
    createdDaysAgo: 2800,
  },
  ...DEPARTMENTS.map((department) => ({
    id: department.groupId,
    displayName: department.name,
    description: `${department.name} department`,
    kind: 'm365-dynamic' as const,
    rule: `user.department -eq "${department.name}"`,
    createdDaysAgo: 2400,
  })),
  {
    ...GROUPS.securityOperations,
    description: 'Security Operations Center',
    kind: 'security-dynamic',
    rule: 'user.department -eq "Security Operations"',
    createdDaysAgo: 1300,
  },
  {
    ...GROUPS.financeAccountsPayable,
    description: 'Accounts Payable team; excluded from CA004 during quarter-end close',
    kind: 'security',
    createdDaysAgo: 1500,
  },
  {
    ...GROUPS.financeAppsAccess,
    description: 'Access to payroll and treasury applications',
    kind: 'security',
    createdDaysAgo: 1500,
  },
  {
    ...GROUPS.wardenResponders,
    description: 'People who may ask Warden about identities',
    kind: 'security',
    createdDaysAgo: 90,
  },
  {
    ...GROUPS.wardenRemediators,
    description: 'People who may confirm Warden remediation actions',
    kind: 'security',
    createdDaysAgo: 90,
  },
  {
    ...GROUPS.mfaExclusion,
    description: 'Service accounts excluded from CA001',
    kind: 'security',
    createdDaysAgo: 700,
  },
];

const ROLE_DESCRIPTIONS: Record<string, string> = {
  [ROLES.globalAdministrator.id]:
    'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  [ROLES.securityAdministrator.id]:
    'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.',
  [ROLES.securityReader.id]:
    'Can read security information and reports in Microsoft Entra ID and Office 365.',
};

const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
const MOBILE_PHONE_METHOD_ID = '3179e48a-750b-4051-897c-87b9720928f7';

const PHONE_MODELS = ['iPhone 13', 'iPhone 15', 'Pixel 8', 'SM-S911B', 'iPhone 14 Pro', 'Pixel 7a'] as const;

/**
 * The directory: a few dozen hand-written people (the story) followed by `ambientCount` generated ones, addressed by
 * position; ambient users, their devices and methods are computed from their index on demand.
 */
export class Directory {
  static readonly explicitCount = EXPLICIT_USERS.length;
  readonly explicitCount = Directory.explicitCount;
  private readonly explicit: UserEntry[];
  private readonly explicitById = new Map<string, UserEntry>();
  private readonly explicitByUpn = new Map<string, UserEntry>();
  private readonly explicitDevices: DeviceEntry[];
  private readonly groupJson = new Map<string, Record<string, unknown>>();
  private readonly roleJson = new Map<string, Record<string, unknown>>();
  private readonly nameOffset: number;

  constructor(
    private readonly seed: number,
    private readonly anchorMs: number,
    readonly ambientCount: number,
  ) {
    this.nameOffset = new Draws(seed, SALT.user, 0x7ffffff0).int(NAME_SPACE);
    this.explicit = EXPLICIT_USERS.map((spec) => this.buildExplicit(spec));
    for (const entry of this.explicit) {
      this.explicitById.set(entry.identity.id, entry);
      this.explicitByUpn.set(entry.identity.userPrincipalName.toLowerCase(), entry);
    }
    this.explicitDevices = this.buildExplicitDevices();
    for (const spec of GROUP_SPECS) this.groupJson.set(spec.id, this.buildGroup(spec));
    for (const role of Object.values(ROLES)) {
      this.roleJson.set(role.id, {
        '@odata.type': '#microsoft.graph.directoryRole',
        id: role.id,
        deletedDateTime: null,
        description: ROLE_DESCRIPTIONS[role.id],
        displayName: role.displayName,
        roleTemplateId: role.roleTemplateId,
      });
    }
  }

  get userCount(): number {
    return this.explicitCount + this.ambientCount;
  }

  /** Position 0…userCount-1: the story's people first, then the generated ones. */
  userAt(position: number): UserEntry {
    return position < this.explicitCount
      ? this.explicit[position]
      : this.ambientUser(position - this.explicitCount);
  }

  explicitUsers(): readonly UserEntry[] {
    return this.explicit;
  }

  /** By object id or user principal name (case-insensitive, as Graph matches UPNs). */
  findUser(key: string): UserEntry | null {
    const lower = key.toLowerCase();
    const explicit = this.explicitById.get(lower) ?? this.explicitByUpn.get(lower);
    if (explicit) return explicit;
    const byId = indexOfGuid(this.seed, SALT.user, lower, this.ambientCount);
    if (byId !== null) return this.ambientUser(byId);
    const byUpn = this.ambientIndexFromUpn(lower);
    return byUpn === null ? null : this.ambientUser(byUpn);
  }

  /** The position of a user (for paging continuations), or -1. */
  positionOf(entry: UserEntry): number {
    if (entry.identity.ambientIndex !== null) return this.explicitCount + entry.identity.ambientIndex;
    return this.explicit.indexOf(entry);
  }

  ambientIdentity(index: number): Identity {
    const draws = new Draws(this.seed, SALT.user, index);
    const block = Math.floor(index / NAME_SPACE);
    const name = ((index % NAME_SPACE) * NAME_STRIDE + this.nameOffset) % NAME_SPACE;
    const first = FIRST_NAMES[name % FIRST_NAMES.length];
    const last = LAST_NAMES[Math.floor(name / FIRST_NAMES.length)];
    const local = `${first}.${last}${block > 0 ? block + 1 : ''}`.toLowerCase();
    const office = draws.weighted(OFFICE_WEIGHTS);
    const department = draws.pick(DEPARTMENTS).name;
    const deviceSerial = hashSerial(this.seed, index);
    return {
      id: indexedGuid(this.seed, SALT.user, index),
      userPrincipalName: `${local}@${TENANT_DOMAIN}`,
      displayName: `${first} ${last}${block > 0 ? ` ${block + 1}` : ''}`,
      office,
      department,
      deviceId: indexedGuid(this.seed, SALT.deviceId, index),
      deviceName: `WGB-LT-${deviceSerial}`,
      ambientIndex: index,
    };
  }

  ambientUser(index: number): UserEntry {
    const identity = this.ambientIdentity(index);
    const draws = new Draws(this.seed, SALT.userDetail, index);
    const department = DEPARTMENTS.find((candidate) => candidate.name === identity.department)!;
    const createdMs = this.anchorMs - (40 + draws.int(2500)) * DAY - draws.int(DAY);
    const passwordMs = Math.max(createdMs, this.anchorMs - (1 + draws.int(170)) * DAY - draws.int(DAY));
    const [first, ...rest] = identity.displayName.split(' ');
    const json: Record<string, unknown> = {
      ...this.baseUserJson({
        id: identity.id,
        upn: identity.userPrincipalName,
        displayName: identity.displayName,
        givenName: first,
        surname: rest.join(' '),
        department: department.name,
        jobTitle: draws.pick(department.titles),
        office: identity.office,
        createdMs,
        passwordMs,
        mobilePhone: phoneNumber(identity.office, draws.int(1000)),
        onPremisesSyncEnabled: draws.chance(0.7) ? true : null,
        userType: 'Member',
        mail: identity.userPrincipalName,
      }),
      accountEnabled: !draws.chance(0.02),
    };
    return {
      json,
      identity,
      managerId: department.headId,
      directGroupIds: [GROUPS.allEmployees.id, department.groupId],
      roleIds: [],
    };
  }

  private ambientIndexFromUpn(upn: string): number | null {
    const match = /^([a-z]+)\.([a-z]+?)(\d*)@woodgrovebank\.com$/.exec(upn);
    if (!match) return null;
    const first = FIRST_NAMES.findIndex((name) => name.toLowerCase() === match[1]);
    const last = LAST_NAMES.findIndex((name) => name.toLowerCase() === match[2]);
    if (first < 0 || last < 0) return null;
    const block = match[3] ? Number(match[3]) - 1 : 0;
    if (match[3] && block < 1) return null;
    const name = last * FIRST_NAMES.length + first;
    const within =
      ((((name - this.nameOffset) % NAME_SPACE) + NAME_SPACE) % NAME_SPACE) * NAME_STRIDE_INVERSE;
    const index = block * NAME_SPACE + (within % NAME_SPACE);
    if (index >= this.ambientCount) return null;
    return this.ambientIdentity(index).userPrincipalName === upn ? index : null;
  }

  private baseUserJson(spec: {
    id: string;
    upn: string;
    displayName: string;
    givenName: string | null;
    surname: string | null;
    department: string | null;
    jobTitle: string | null;
    office: Office;
    createdMs: number;
    passwordMs: number;
    mobilePhone: string | null;
    onPremisesSyncEnabled: boolean | null;
    userType: 'Member' | 'Guest';
    mail: string | null;
  }): Record<string, unknown> {
    const guest = spec.userType === 'Guest';
    return {
      businessPhones: guest ? [] : [officePhone(spec.office)],
      displayName: spec.displayName,
      givenName: spec.givenName,
      jobTitle: spec.jobTitle,
      mail: spec.mail,
      mobilePhone: spec.mobilePhone,
      officeLocation: guest ? null : spec.office.name,
      preferredLanguage: guest ? null : spec.office.countryOrRegion === 'US' ? 'en-US' : 'en-GB',
      surname: spec.surname,
      userPrincipalName: spec.upn,
      id: spec.id,
      accountEnabled: true,
      city: guest ? null : spec.office.city,
      companyName: guest ? 'Fabrikam' : 'Woodgrove Bank',
      country: guest ? null : spec.office.country,
      createdDateTime: isoSeconds(spec.createdMs),
      creationType: guest ? 'Invitation' : null,
      department: spec.department,
      employeeId: guest ? null : String(100000 + (stringHash(spec.id) % 900000)),
      externalUserState: guest ? 'Accepted' : null,
      lastPasswordChangeDateTime: isoSeconds(spec.passwordMs),
      mailNickname: spec.upn.split('@')[0].replace(/#EXT#$/, ''),
      onPremisesSyncEnabled: spec.onPremisesSyncEnabled,
      otherMails: guest && spec.mail ? [spec.mail] : [],
      proxyAddresses: spec.mail ? [`SMTP:${spec.mail}`] : [],
      signInSessionsValidFromDateTime: isoSeconds(spec.passwordMs),
      state: guest ? null : spec.office.state,
      usageLocation: spec.office.countryOrRegion,
      userType: spec.userType,
    };
  }

  private buildExplicit(spec: ExplicitUserSpec): UserEntry {
    const createdMs = this.anchorMs - spec.createdDaysAgo * DAY - (stringHash(spec.id) % 36_000) * 1000;
    const passwordMs = this.anchorMs - spec.passwordDaysAgo * DAY - (stringHash(spec.upn) % 36_000) * 1000;
    const userType = spec.userType ?? 'Member';
    const json = this.baseUserJson({
      id: spec.id,
      upn: spec.upn,
      displayName: spec.displayName,
      givenName: spec.givenName,
      surname: spec.surname,
      department: spec.department,
      jobTitle: spec.jobTitle,
      office: spec.office,
      createdMs,
      passwordMs,
      mobilePhone: spec.mobilePhone ?? null,
      onPremisesSyncEnabled: spec.onPremisesSyncEnabled ?? null,
      userType,
      mail: spec.mail === undefined ? spec.upn : spec.mail,
    });
    const groups = [...(spec.groups ?? [])];
    if (userType === 'Member') groups.unshift(GROUPS.allEmployees.id);
    const departmentGroup = spec.department ? DEPARTMENT_GROUPS[spec.department] : undefined;
    if (departmentGroup) groups.push(departmentGroup);
    const hasLaptop = spec.laptop ?? true;
    return {
      json,
      identity: {
        id: spec.id,
        userPrincipalName: spec.upn,
        displayName: spec.displayName,
        office: spec.office,
        department: spec.department ?? '',
        deviceId:
          spec.id === KARITA.id
            ? DEVICES.karitaLaptop.deviceId
            : hasLaptop
              ? labelGuid(`device-id:${spec.upn}`)
              : null,
        deviceName:
          spec.id === KARITA.id
            ? DEVICES.karitaLaptop.displayName
            : hasLaptop
              ? `${spec.upn.split('@')[0].toUpperCase().slice(0, 10)}-LT01`
              : null,
        ambientIndex: null,
      },
      managerId: spec.managerId,
      directGroupIds: groups,
      roleIds: spec.roles ?? [],
    };
  }

  private buildExplicitDevices(): DeviceEntry[] {
    const devices: DeviceEntry[] = [];
    for (const user of this.explicit) {
      const { identity } = user;
      if (!identity.deviceId || !identity.deviceName) continue;
      const karita = identity.id === KARITA.id;
      devices.push({
        ownerId: identity.id,
        json: deviceJson({
          id: karita ? DEVICES.karitaLaptop.id : labelGuid(`device:${identity.userPrincipalName}`),
          deviceId: identity.deviceId,
          displayName: identity.deviceName,
          operatingSystem: 'Windows',
          operatingSystemVersion: '10.0.22631.4460',
          trustType: 'AzureAd',
          compliant: true,
          registeredMs: this.anchorMs - (200 + (stringHash(identity.id) % 400)) * DAY,
          lastSignInMs: this.anchorMs - (1 + (stringHash(identity.userPrincipalName) % 20)) * HOUR,
          manufacturer: 'Microsoft Corporation',
          model: karita ? 'Surface Laptop 5' : 'Surface Laptop 6',
          ownership: 'Company',
        }),
      });
    }
    devices.push({
      ownerId: DEMO_IDENTITIES.megan.id,
      json: deviceJson({
        id: labelGuid('device:megan-iphone'),
        deviceId: labelGuid('device-id:megan-iphone'),
        displayName: "Megan's iPhone",
        operatingSystem: 'iOS',
        operatingSystemVersion: '17.5.1',
        trustType: 'Workplace',
        compliant: true,
        registeredMs: this.anchorMs - 140 * DAY,
        lastSignInMs: this.anchorMs - 5 * HOUR,
        manufacturer: 'Apple',
        model: 'iPhone 15',
        ownership: 'Personal',
      }),
    });
    devices.push({
      ownerId: KARITA.id,
      json: deviceJson({
        id: DEVICES.attackerDevice.id,
        deviceId: DEVICES.attackerDevice.deviceId,
        displayName: DEVICES.attackerDevice.displayName,
        operatingSystem: 'Windows',
        operatingSystemVersion: '10.0.19045.3803',
        trustType: 'Workplace',
        compliant: false,
        managed: false,
        registeredMs: this.anchorMs - TIMELINE.deviceRegistered * MINUTE,
        lastSignInMs: this.anchorMs - TIMELINE.sessionReplay * MINUTE,
        manufacturer: 'System manufacturer',
        model: 'System Product Name',
        ownership: 'Personal',
      }),
    });
    return devices;
  }

  get deviceCount(): number {
    return this.explicitDevices.length + this.ambientCount;
  }

  deviceAt(position: number): DeviceEntry {
    if (position < this.explicitDevices.length) return this.explicitDevices[position];
    return this.ambientDevice(position - this.explicitDevices.length);
  }

  private ambientDevice(index: number): DeviceEntry {
    const identity = this.ambientIdentity(index);
    const draws = new Draws(this.seed, SALT.device, index);
    const compliant = !draws.chance(0.04);
    return {
      ownerId: identity.id,
      json: deviceJson({
        id: indexedGuid(this.seed, SALT.device, index),
        deviceId: identity.deviceId!,
        displayName: identity.deviceName!,
        operatingSystem: 'Windows',
        operatingSystemVersion: draws.pick(['10.0.22631.4460', '10.0.22631.4317', '10.0.19045.5011']),
        trustType: draws.chance(0.3) ? 'ServerAd' : 'AzureAd',
        compliant,
        registeredMs: this.anchorMs - (60 + draws.int(900)) * DAY,
        lastSignInMs: this.anchorMs - (1 + draws.int(96)) * HOUR,
        manufacturer: draws.pick(['Dell Inc.', 'HP', 'Lenovo', 'Microsoft Corporation']),
        model: draws.pick(['Latitude 7440', 'EliteBook 840 G10', 'ThinkPad T14 Gen 4', 'Surface Laptop 5']),
        ownership: 'Company',
      }),
    };
  }

  findDevice(id: string): DeviceEntry | null {
    const lower = id.toLowerCase();
    const explicit = this.explicitDevices.find((device) => device.json.id === lower);
    if (explicit) return explicit;
    const index = indexOfGuid(this.seed, SALT.device, lower, this.ambientCount);
    return index === null ? null : this.ambientDevice(index);
  }

  /** The position of a device in `deviceAt` order, or -1. */
  devicePositionOf(device: DeviceEntry): number {
    const explicit = this.explicitDevices.indexOf(device);
    if (explicit >= 0) return explicit;
    const index = indexOfGuid(this.seed, SALT.device, device.json.id as string, this.ambientCount);
    return index === null ? -1 : this.explicitDevices.length + index;
  }

  findDeviceByDeviceId(deviceId: string): DeviceEntry | null {
    const lower = deviceId.toLowerCase();
    const explicit = this.explicitDevices.find((device) => device.json.deviceId === lower);
    if (explicit) return explicit;
    const index = indexOfGuid(this.seed, SALT.deviceId, lower, this.ambientCount);
    return index === null ? null : this.ambientDevice(index);
  }

  devicesOf(user: UserEntry): DeviceEntry[] {
    if (user.identity.ambientIndex !== null) return [this.ambientDevice(user.identity.ambientIndex)];
    return this.explicitDevices.filter((device) => device.ownerId === user.identity.id);
  }

  group(id: string): Record<string, unknown> | null {
    return this.groupJson.get(id.toLowerCase()) ?? null;
  }

  groups(): Record<string, unknown>[] {
    return [...this.groupJson.values()];
  }

  role(id: string): Record<string, unknown> | null {
    return this.roleJson.get(id.toLowerCase()) ?? null;
  }

  /** Direct memberships (groups, then directory roles), as directoryObjects. */
  memberOf(user: UserEntry): Record<string, unknown>[] {
    return [
      ...user.directGroupIds.map((id) => this.groupJson.get(id)!),
      ...user.roleIds.map((id) => this.roleJson.get(id)!),
    ];
  }

  /** Direct and inherited memberships: nested groups add their parents. */
  transitiveMemberOf(user: UserEntry): Record<string, unknown>[] {
    const seen = new Set<string>();
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const parent of NESTED_IN[id] ?? []) visit(parent);
    };
    for (const id of user.directGroupIds) visit(id);
    return [
      ...[...seen].map((id) => this.groupJson.get(id)!),
      ...user.roleIds.map((id) => this.roleJson.get(id)!),
    ];
  }

  /** Polymorphic methods; v1.0 and beta name the FIDO2 key's timestamp differently, as Graph does. */
  authenticationMethods(user: UserEntry, version: 'v1.0' | 'beta'): Record<string, unknown>[] {
    const password = {
      '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
      id: PASSWORD_METHOD_ID,
      password: null,
      createdDateTime: user.json.lastPasswordChangeDateTime,
    };
    const methods: Record<string, unknown>[] = [password];
    const mobile = user.json.mobilePhone as string | null;
    if (mobile) {
      methods.push({
        '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
        id: MOBILE_PHONE_METHOD_ID,
        phoneNumber: mobile.replace(/ (?=\d)/g, (match, offset: number) => (offset < 4 ? match : '')),
        phoneType: 'mobile',
        smsSignInState: 'notAllowedByPolicy',
      });
    }
    const id = user.identity.id;
    if (user.identity.ambientIndex !== null) {
      const index = user.identity.ambientIndex;
      const draws = new Draws(this.seed, SALT.method, index);
      methods.push(
        authenticator(
          indexedGuid(this.seed, SALT.method, index),
          draws.pick(PHONE_MODELS),
          this.anchorMs - (20 + draws.int(700)) * DAY,
        ),
      );
      return methods;
    }
    if (user.json.userType === 'Guest' || id === BREAK_GLASS.id || id === HEAVY_USER.id) return methods;
    if (id === KARITA.id) {
      methods.push(
        authenticator(
          AUTH_METHODS.karitaAuthenticator.id,
          AUTH_METHODS.karitaAuthenticator.displayName,
          this.anchorMs - 402 * DAY,
        ),
        {
          ...authenticator(
            AUTH_METHODS.attackerAuthenticator.id,
            AUTH_METHODS.attackerAuthenticator.displayName,
            this.anchorMs - TIMELINE.authenticatorRegistered * MINUTE,
          ),
          phoneAppVersion: '6.2402.1218',
        },
      );
      return methods;
    }
    methods.push(authenticator(labelGuid(`authenticator:${id}`), 'iPhone 15', this.anchorMs - 300 * DAY));
    if (id === DEMO_IDENTITIES.adele.id) {
      const created = isoSeconds(this.anchorMs - 120 * DAY);
      methods.push({
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        id: '-2_GRUg2-HYz6_1YG4YRAQ2',
        displayName: 'YubiKey 5 NFC',
        ...(version === 'beta' ? { creationDateTime: created } : { createdDateTime: created }),
        aaGuid: '2fc0579f-8113-47ea-b116-555a8db9202a',
        model: 'YubiKey 5 NFC',
        attestationCertificates: ['dbe793efdf1945e2df25d93653a1e8a3268a9075'],
        attestationLevel: 'attested',
      });
    }
    if (id === DEMO_IDENTITIES.alex.id) {
      methods.push({
        '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
        id: 'b5e01f81-1f81-b5e0-811f-e0b5811fe0b5',
        displayName: 'ALEX-LT01',
        createdDateTime: isoSeconds(this.anchorMs - 200 * DAY),
        keyStrength: 'normal',
      });
    }
    return methods;
  }

  private buildGroup(spec: GroupSpec): Record<string, unknown> {
    const m365 = spec.kind === 'm365-dynamic';
    const nickname = spec.displayName.replace(/[^A-Za-z0-9]/g, '');
    return {
      '@odata.type': '#microsoft.graph.group',
      id: spec.id,
      deletedDateTime: null,
      classification: null,
      createdDateTime: isoSeconds(this.anchorMs - spec.createdDaysAgo * DAY),
      description: spec.description,
      displayName: spec.displayName,
      expirationDateTime: null,
      groupTypes: m365
        ? ['Unified', 'DynamicMembership']
        : spec.kind === 'security-dynamic'
          ? ['DynamicMembership']
          : [],
      isAssignableToRole: null,
      mail: m365 ? `${nickname}@${TENANT_DOMAIN}` : null,
      mailEnabled: m365,
      mailNickname: nickname,
      membershipRule: spec.rule ?? null,
      membershipRuleProcessingState: spec.rule ? 'On' : null,
      onPremisesSyncEnabled: null,
      proxyAddresses: m365 ? [`SMTP:${nickname}@${TENANT_DOMAIN}`] : [],
      renewedDateTime: isoSeconds(this.anchorMs - spec.createdDaysAgo * DAY),
      securityEnabled: true,
      securityIdentifier: `S-1-12-1-${stringHash(spec.id)}-${stringHash(spec.displayName)}`,
      visibility: m365 ? 'Private' : null,
    };
  }
}

const hashSerial = (seed: number, index: number): string =>
  new Draws(seed, SALT.device, index).int(0xfffff).toString(36).toUpperCase().padStart(4, '0');

const officePhone = (office: Office): string =>
  office.countryOrRegion === 'GB'
    ? '+44 20 7946 0100'
    : office.countryOrRegion === 'CA'
      ? '+1 416 555 0100'
      : '+1 206 555 0100';

const phoneNumber = (office: Office, n: number): string => {
  const tail = String(n % 1000).padStart(3, '0');
  if (office.countryOrRegion === 'GB') return `+44 20 7946 0${tail}`;
  if (office.countryOrRegion === 'CA') return `+1 416 555 0${tail.slice(0, 3)}`;
  return `+1 ${office.city === 'New York' ? '212' : '206'} 555 0${tail}`;
};

const authenticator = (id: string, displayName: string, createdMs: number): Record<string, unknown> => ({
  '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
  id,
  displayName,
  deviceTag: 'SoftwareTokenActivated',
  phoneAppVersion: '6.2401.0119',
  createdDateTime: isoSeconds(createdMs),
});

const deviceJson = (spec: {
  id: string;
  deviceId: string;
  displayName: string;
  operatingSystem: string;
  operatingSystemVersion: string;
  trustType: 'AzureAd' | 'Workplace' | 'ServerAd';
  compliant: boolean;
  managed?: boolean;
  registeredMs: number;
  lastSignInMs: number;
  manufacturer: string;
  model: string;
  ownership: 'Company' | 'Personal';
}): Record<string, unknown> => {
  const managed = spec.managed ?? true;
  return {
    '@odata.type': '#microsoft.graph.device',
    id: spec.id,
    deletedDateTime: null,
    accountEnabled: true,
    approximateLastSignInDateTime: isoSeconds(spec.lastSignInMs),
    complianceExpirationDateTime: null,
    deviceCategory: null,
    deviceId: spec.deviceId,
    deviceMetadata: null,
    deviceOwnership: spec.ownership,
    deviceVersion: 2,
    displayName: spec.displayName,
    enrollmentProfileName: null,
    enrollmentType: managed
      ? spec.trustType === 'Workplace'
        ? 'userEnrollment'
        : 'azureDomainJoined'
      : null,
    isCompliant: spec.compliant,
    isManaged: managed,
    isRooted: false,
    managementType: managed ? 'MDM' : null,
    manufacturer: spec.manufacturer,
    mdmAppId: managed ? '0000000a-0000-0000-c000-000000000000' : null,
    model: spec.model,
    onPremisesLastSyncDateTime: null,
    onPremisesSyncEnabled: spec.trustType === 'ServerAd' ? true : null,
    operatingSystem: spec.operatingSystem,
    operatingSystemVersion: spec.operatingSystemVersion,
    physicalIds: [],
    profileType: 'RegisteredDevice',
    registrationDateTime: isoSeconds(spec.registeredMs),
    systemLabels: [],
    trustType: spec.trustType,
    alternativeSecurityIds: [],
  };
};
