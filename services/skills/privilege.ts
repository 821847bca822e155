/**
 * What counts as privileged. Role names and template ids are Microsoft's built-in ones (tenants cannot rename them),
 * so either is enough to recognise a role; the permission list follows the "high privilege" idea Copilot in Entra
 * uses for apps (reference/entra_graph.md §1.6): permissions that read every mailbox or file, or that let an app
 * grant itself more.
 */

/** Built-in directory roles an attacker would want, by display name, with their global role template ids. */
const PRIVILEGED_ROLES: Record<string, string> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Privileged Authentication Administrator': '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Exchange Administrator': '29232cdf-9323-42fd-ade2-1d097af3e4de',
  'SharePoint Administrator': 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
  'User Administrator': 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Authentication Administrator': 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  'Conditional Access Administrator': 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  'Helpdesk Administrator': '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  'Hybrid Identity Administrator': '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
  'Intune Administrator': '3a2c62db-5318-420d-8d74-23affee5d9d5',
  'Domain Name Administrator': '8329153b-31d0-4727-b945-745eb3bc5f31',
  'External Identity Provider Administrator': 'be2f45a1-457d-42af-a067-6ec1fa63bc45',
  'Partner Tier2 Support': 'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8',
  'Directory Writers': '9360feb5-f418-4baa-8175-e2a00bac4301',
};

const PRIVILEGED_TEMPLATE_IDS = new Set(Object.values(PRIVILEGED_ROLES));
const PRIVILEGED_NAMES = new Set(Object.keys(PRIVILEGED_ROLES).map((name) => name.toLowerCase()));

const NAME_BY_TEMPLATE = new Map(Object.entries(PRIVILEGED_ROLES).map(([name, id]) => [id, name]));

/** The built-in role's name for a role template id (what Conditional Access policies hold), when it is a known one. */
export const privilegedRoleName = (templateId: string): string | null =>
  NAME_BY_TEMPLATE.get(templateId.toLowerCase()) ?? null;

export const isPrivilegedRole = (role: {
  displayName?: string | null;
  roleTemplateId?: string | null;
}): boolean =>
  (!!role.roleTemplateId && PRIVILEGED_TEMPLATE_IDS.has(role.roleTemplateId.toLowerCase())) ||
  (!!role.displayName && PRIVILEGED_NAMES.has(role.displayName.toLowerCase()));

/** Permission value → why it matters, in the words an analyst would use. */
const HIGH_PRIVILEGE: Record<string, string> = {
  'Directory.ReadWrite.All': 'can change anything in the directory',
  'Directory.AccessAsUser.All': 'acts as the user across the directory',
  'RoleManagement.ReadWrite.Directory': 'can grant any admin role, including Global Administrator',
  'Application.ReadWrite.All': 'can add credentials to any app',
  'AppRoleAssignment.ReadWrite.All': 'can grant itself any application permission',
  'User.ReadWrite.All': 'can change any user',
  'Group.ReadWrite.All': 'can change any group and its members',
  'GroupMember.ReadWrite.All': 'can change the members of any group',
  'Policy.ReadWrite.ConditionalAccess': 'can change Conditional Access',
  'UserAuthenticationMethod.ReadWrite.All': "can change anyone's MFA methods",
  'Domain.ReadWrite.All': 'can add federated domains',
  'Mail.ReadWrite': 'reads and changes mail',
  'Mail.Read': 'reads mail',
  'Mail.Send': 'sends mail as users',
  'MailboxSettings.ReadWrite': 'can set forwarding and inbox rules',
  'EWS.AccessAsUser.All': 'full mailbox access through EWS',
  full_access_as_app: 'full access to every mailbox',
  'Files.ReadWrite.All': 'reads and changes files',
  'Files.Read.All': 'reads files',
  'Sites.FullControl.All': 'full control of every SharePoint site',
  'Sites.ReadWrite.All': 'reads and changes every SharePoint site',
  'IdentityRiskyUser.ReadWrite.All': 'can dismiss user risk',
  'PrivilegedAccess.ReadWrite.AzureAD': 'can activate privileged roles',
};

const HIGH_PRIVILEGE_LOWER = new Map(
  Object.entries(HIGH_PRIVILEGE).map(([name, why]) => [name.toLowerCase(), why]),
);

/** Why a permission is high privilege, or null when it is not on the list. */
export const highPrivilegeReason = (permission: string): string | null =>
  HIGH_PRIVILEGE_LOWER.get(permission.toLowerCase()) ?? null;

/** The well-known application id of Microsoft Graph, the resource most grants and app roles point at. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
