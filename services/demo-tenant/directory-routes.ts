/** Directory resources: users and their relationships, groups, devices, applications and the organization. */
import type { UserEntry } from './directory';
import { applySelect, type FilterSchema } from './odata';
import * as schema from './schemas';
import {
  entityReply,
  listArray,
  listPositions,
  collectionBody,
  notFound,
  requireMethod,
  segmentNotFound,
  selectionContext,
  stripType,
  type Call,
  type Json,
  type ListSpec,
  type Reply,
} from './graph-call';

/** The Graph JSON for a user with the overlay applied; signInActivity only when asked for (it costs a log scan). */
const userJson = (call: Call, entry: UserEntry, withActivity: boolean): Json => {
  const overlay = call.tenant.overlay;
  const id = entry.identity.id;
  const revoked = overlay.sessionsRevokedAt.get(id);
  const enabled = overlay.accountEnabled.get(id);
  return {
    ...entry.json,
    ...(enabled !== undefined ? { accountEnabled: enabled } : {}),
    ...(revoked !== undefined
      ? { signInSessionsValidFromDateTime: new Date(revoked).toISOString().replace(/\.\d{3}Z$/, 'Z') }
      : {}),
    ...(withActivity ? { signInActivity: call.tenant.signIns.activity(entry) } : {}),
  };
};

const wantsActivity = (call: Call): boolean =>
  /(^|,)\s*signInActivity\s*(,|$)/i.test(call.option('$select') ?? '');

const USER_LIST: ListSpec = {
  style: 'directory',
  context: 'users',
  typeName: 'microsoft.graph.user',
  resource: 'User',
  selectable: schema.USER_PROPERTIES,
  filter: schema.USER_FILTER,
  advancedFilter: schema.USER_FILTER_ADVANCED,
  searchable: ['displayName', 'mail', 'userPrincipalName', 'givenName', 'surname', 'jobTitle', 'department'],
  defaultTop: 100,
  maxTop: 999,
  defaultSelect: schema.USER_DEFAULT_PROPERTIES,
  count: true,
};

const DIRECTORY_OBJECT_PROPERTIES: readonly string[] = [
  ...new Set([
    ...schema.GROUP_PROPERTIES,
    ...schema.DIRECTORY_ROLE_PROPERTIES,
    ...schema.DEVICE_PROPERTIES,
    ...schema.USER_PROPERTIES,
  ]),
];

const DIRECTORY_OBJECTS = (context: string): ListSpec => ({
  style: 'directory',
  context,
  typeName: 'microsoft.graph.directoryObject',
  resource: 'DirectoryObject',
  selectable: DIRECTORY_OBJECT_PROPERTIES,
  filter: schema.DIRECTORY_OBJECT_FILTER,
  defaultTop: 100,
  maxTop: 999,
  filterNeedsAdvanced: true,
  count: true,
});

export const users = (call: Call, rest: string[]): Reply => {
  const { directory } = call.tenant;
  if (rest.length === 0) {
    requireMethod(call, 'GET');
    const activity = wantsActivity(call);
    return listPositions(
      call,
      USER_LIST,
      directory.userCount,
      (position) => userJson(call, directory.userAt(position), activity),
      (equals) => {
        const key = equals.get('id') ?? equals.get('userPrincipalName');
        if (key === undefined) return undefined;
        const entry = directory.findUser(key);
        return entry ? [directory.positionOf(entry)] : [];
      },
    );
  }
  const key = rest[0];
  const entry = directory.findUser(key);
  if (!entry) throw notFound(call, key);
  const id = entry.identity.id;
  if (rest.length === 1) {
    if (call.raw.method === 'PATCH') return patchUser(call, entry);
    requireMethod(call, 'GET');
    return entityReply(
      call,
      'users',
      'microsoft.graph.user',
      schema.USER_PROPERTIES,
      userJson(call, entry, wantsActivity(call)),
      schema.USER_DEFAULT_PROPERTIES,
    );
  }
  const relation = rest[1].toLowerCase();
  switch (relation) {
    case 'manager': {
      requireMethod(call, 'GET');
      if (rest.length > 2) throw segmentNotFound(call, rest[2]);
      const manager = entry.managerId ? directory.findUser(entry.managerId) : null;
      if (!manager) throw notFound(call, 'manager');
      call.allowOnly(['$select']);
      const select = call.select('microsoft.graph.directoryObject', schema.USER_PROPERTIES);
      return call.ok({
        '@odata.context': call.context(selectionContext('directoryObjects', select, true)),
        '@odata.type': '#microsoft.graph.user',
        ...applySelect(userJson(call, manager, false), select ?? [...schema.USER_DEFAULT_PROPERTIES]),
      });
    }
    case 'registereddevices':
    case 'owneddevices': {
      requireMethod(call, 'GET');
      const devices = directory.devicesOf(entry).map((device) => device.json);
      return listArray(call, DIRECTORY_OBJECTS('directoryObjects'), devices);
    }
    case 'memberof':
    case 'transitivememberof': {
      requireMethod(call, 'GET');
      let objects = relation === 'memberof' ? directory.memberOf(entry) : directory.transitiveMemberOf(entry);
      let context = 'directoryObjects';
      if (rest[2]) {
        const cast = rest[2].toLowerCase();
        if (cast !== 'microsoft.graph.group' && cast !== 'microsoft.graph.directoryrole')
          throw segmentNotFound(call, rest[2]);
        const type =
          cast === 'microsoft.graph.group' ? '#microsoft.graph.group' : '#microsoft.graph.directoryRole';
        objects = objects.filter((object) => object['@odata.type'] === type);
        context = cast === 'microsoft.graph.group' ? 'groups' : 'directoryRoles';
      }
      return listArray(call, DIRECTORY_OBJECTS(context), objects);
    }
    case 'checkmembergroups': {
      requireMethod(call, 'POST');
      const groupIds = (call.raw.body as { groupIds?: unknown } | undefined)?.groupIds;
      if (
        !Array.isArray(groupIds) ||
        groupIds.some((value) => typeof value !== 'string') ||
        groupIds.length === 0
      ) {
        throw call.fail(
          400,
          'Request_BadRequest',
          "Invalid value specified for property 'groupIds' of resource 'checkMemberGroups'.",
        );
      }
      if (groupIds.length > 20) {
        throw call.fail(
          400,
          'Request_BadRequest',
          'The number of groups specified exceeds the maximum of 20.',
        );
      }
      const member = new Set(
        directory
          .transitiveMemberOf(entry)
          .filter((object) => object['@odata.type'] === '#microsoft.graph.group')
          .map((group) => group.id as string),
      );
      return call.ok({
        '@odata.context': call.context('Collection(Edm.String)'),
        value: (groupIds as string[]).filter((groupId) => member.has(groupId.toLowerCase())),
      });
    }
    case 'revokesigninsessions': {
      requireMethod(call, 'POST');
      call.tenant.overlay.sessionsRevokedAt.set(id, call.now.getTime());
      return call.ok({ '@odata.context': call.context('Edm.Boolean'), value: true });
    }
    case 'authentication': {
      if ((rest[2] ?? '').toLowerCase() !== 'methods' || rest.length > 3)
        throw segmentNotFound(call, rest[2] ?? 'authentication');
      requireMethod(call, 'GET');
      call.allowOnly([]);
      return call.ok({
        '@odata.context': call.context(`users('${id}')/authentication/methods`),
        value: directory.authenticationMethods(entry, call.version),
      });
    }
    default:
      throw segmentNotFound(call, rest[1]);
  }
};

const WRITABLE_USER_PROPERTIES = new Set(['accountEnabled']);

const patchUser = (call: Call, entry: UserEntry): Reply => {
  const body = call.raw.body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw call.fail(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  }
  const changes = body as Json;
  for (const [name, value] of Object.entries(changes)) {
    const known = (schema.USER_PROPERTIES as readonly string[]).includes(name);
    if (!known) throw call.fail(400, 'Request_BadRequest', `Invalid property '${name}'.`);
    if (!WRITABLE_USER_PROPERTIES.has(name)) {
      throw call.fail(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    if (typeof value !== 'boolean') {
      throw call.fail(
        400,
        'Request_BadRequest',
        `Invalid value specified for property '${name}' of resource 'User'.`,
      );
    }
  }
  if (typeof changes.accountEnabled === 'boolean') {
    call.tenant.overlay.accountEnabled.set(entry.identity.id, changes.accountEnabled);
  }
  return { status: 204 };
};

const GROUP_LIST: ListSpec = {
  style: 'directory',
  context: 'groups',
  typeName: 'microsoft.graph.group',
  resource: 'Group',
  selectable: schema.GROUP_PROPERTIES,
  filter: schema.GROUP_FILTER,
  searchable: ['displayName', 'description', 'mail', 'mailNickname'],
  defaultTop: 100,
  maxTop: 999,
  count: true,
};

export const groups = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const { directory } = call.tenant;
  if (rest.length === 0) return listArray(call, GROUP_LIST, directory.groups().map(stripType));
  const group = directory.group(rest[0]);
  if (!group) throw notFound(call, rest[0]);
  if (rest.length > 1) throw segmentNotFound(call, rest[1]);
  return entityReply(call, 'groups', 'microsoft.graph.group', schema.GROUP_PROPERTIES, group);
};

const DEVICE_LIST: ListSpec = {
  style: 'directory',
  context: 'devices',
  typeName: 'microsoft.graph.device',
  resource: 'Device',
  selectable: schema.DEVICE_PROPERTIES,
  filter: schema.DEVICE_FILTER,
  searchable: ['displayName'],
  defaultTop: 100,
  maxTop: 999,
  count: true,
};

export const devices = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const { directory } = call.tenant;
  if (rest.length === 0) {
    return listPositions(
      call,
      DEVICE_LIST,
      directory.deviceCount,
      (position) => stripType(directory.deviceAt(position).json),
      (equals) => {
        const id = equals.get('id');
        const deviceId = equals.get('deviceId');
        if (id === undefined && deviceId === undefined) return undefined;
        const found = id !== undefined ? directory.findDevice(id) : directory.findDeviceByDeviceId(deviceId!);
        const position = found ? directory.devicePositionOf(found) : -1;
        return position < 0 ? [] : [position];
      },
    );
  }
  const key = rest[0];
  const device = key.startsWith('@deviceId=')
    ? directory.findDeviceByDeviceId(key.slice('@deviceId='.length))
    : directory.findDevice(key);
  if (!device) throw notFound(call, key.replace(/^@deviceId=/, ''));
  if (rest.length === 1) {
    return entityReply(call, 'devices', 'microsoft.graph.device', schema.DEVICE_PROPERTIES, device.json);
  }
  if (rest[1].toLowerCase() === 'registeredowners' || rest[1].toLowerCase() === 'registeredusers') {
    const owner = directory.findUser(device.ownerId)!;
    return listArray(call, DIRECTORY_OBJECTS('directoryObjects'), [
      {
        '@odata.type': '#microsoft.graph.user',
        ...applySelect(userJson(call, owner, false), [...schema.USER_DEFAULT_PROPERTIES]),
      },
    ]);
  }
  throw segmentNotFound(call, rest[1]);
};

const APP_LIST = (
  context: string,
  typeName: string,
  selectable: readonly string[],
  filter: FilterSchema<Json>,
  searchable?: readonly string[],
): ListSpec => ({
  style: 'directory',
  context,
  typeName,
  resource: typeName.replace('microsoft.graph.', '').replace(/^./, (c) => c.toUpperCase()),
  selectable,
  filter,
  searchable,
  defaultTop: 100,
  maxTop: 999,
  count: true,
});

export const servicePrincipals = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const { applications, directory } = call.tenant;
  if (rest.length === 0) {
    return listArray(
      call,
      APP_LIST(
        'servicePrincipals',
        'microsoft.graph.servicePrincipal',
        schema.SERVICE_PRINCIPAL_PROPERTIES,
        schema.SERVICE_PRINCIPAL_FILTER,
        ['displayName', 'description'],
      ),
      applications.allServicePrincipals(),
    );
  }
  const sp = applications.servicePrincipal(rest[0]);
  if (!sp) throw notFound(call, rest[0]);
  if (rest.length === 1) {
    return entityReply(
      call,
      'servicePrincipals',
      'microsoft.graph.servicePrincipal',
      schema.SERVICE_PRINCIPAL_PROPERTIES,
      sp,
    );
  }
  const relation = rest[1].toLowerCase();
  if (rest.length > 2) throw segmentNotFound(call, rest[2]);
  if (relation === 'owners') {
    const owners = applications
      .ownerIds(sp.id as string)
      .map((id) => directory.findUser(id))
      .filter((entry): entry is UserEntry => entry !== null)
      .map((entry) => applySelect(userJson(call, entry, false), [...schema.USER_DEFAULT_PROPERTIES]));

    return listArray(
      call,
      DIRECTORY_OBJECTS('directoryObjects'),
      owners.map((owner) => ({ '@odata.type': '#microsoft.graph.user', ...owner })),
    );
  }
  if (relation === 'approleassignments') {
    return listArray(
      call,
      APP_LIST(
        `servicePrincipals('${sp.id as string}')/appRoleAssignments`,
        'microsoft.graph.appRoleAssignment',
        schema.APP_ROLE_ASSIGNMENT_PROPERTIES,
        schema.DIRECTORY_OBJECT_FILTER,
      ),
      applications.appRoleAssignments(sp.id as string),
    );
  }
  throw segmentNotFound(call, rest[1]);
};

export const oauth2PermissionGrants = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const grants = call.tenant.applications.allGrants();
  if (rest.length === 1) {
    const grant = grants.find((item) => item.id === rest[0]);
    if (!grant) throw notFound(call, rest[0]);
    return entityReply(
      call,
      'oauth2PermissionGrants',
      'microsoft.graph.oAuth2PermissionGrant',
      schema.GRANT_PROPERTIES,
      grant,
    );
  }
  if (rest.length > 1) throw segmentNotFound(call, rest[1]);
  return listArray(
    call,
    APP_LIST(
      'oauth2PermissionGrants',
      'microsoft.graph.oAuth2PermissionGrant',
      schema.GRANT_PROPERTIES,
      schema.GRANT_FILTER,
    ),
    grants,
  );
};

export const applicationsRoute = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const { applications } = call.tenant;
  if (rest.length === 0) {
    return listArray(
      call,
      APP_LIST(
        'applications',
        'microsoft.graph.application',
        schema.APPLICATION_PROPERTIES,
        schema.APPLICATION_FILTER,
        ['displayName', 'description'],
      ),
      applications.allApplications(),
    );
  }
  const app = applications.application(rest[0]);
  if (!app) throw notFound(call, rest[0]);
  if (rest.length > 1) throw segmentNotFound(call, rest[1]);
  return entityReply(call, 'applications', 'microsoft.graph.application', schema.APPLICATION_PROPERTIES, app);
};

export const organization = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const org = call.tenant.organization;
  if (rest.length === 0) {
    call.allowOnly(['$select']);
    const select = call.select('microsoft.graph.organization', schema.ORGANIZATION_PROPERTIES);
    return call.ok(collectionBody(call, 'organization', select, [applySelect(org, select)], null));
  }
  if (rest[0].toLowerCase() !== org.id || rest.length > 1) throw notFound(call, rest[0]);
  return entityReply(
    call,
    'organization',
    'microsoft.graph.organization',
    schema.ORGANIZATION_PROPERTIES,
    org,
  );
};
