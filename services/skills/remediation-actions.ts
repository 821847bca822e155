import type { GraphGateway } from '../graph/graph-gateway';
import type { Intent } from '../intent/types';
import type { DirectoryUser } from './resolve-user';

/**
 * The four containment actions (DESIGN §2). They are kept together because each is one Graph call plus the words
 * that tell a remediator exactly what will happen; the confirmation and execution around them live in
 * `dialogs/remediation-flow.ts`, so no action can run without a remediator's explicit confirmation.
 */
export interface RemediationAction {
  intent: Intent;
  title: string;
  /** "Revoke all sessions for Karita Rask?" */
  question: (who: string) => string;
  /** Exactly what will happen, shown on the confirmation card. */
  effect: string;
  done: (who: string) => string;
  execute: (graph: GraphGateway, user: DirectoryUser) => Promise<void>;
}

export const REMEDIATION_ACTIONS: readonly RemediationAction[] = [
  {
    intent: 'action.revokeSessions',
    title: 'Revoke sessions',
    question: (who) => `Revoke all sign-in sessions for ${who}?`,
    effect:
      'Invalidates every refresh token and session cookie issued to this user (POST /users/{id}/revokeSignInSessions). Apps ask them to sign in again within minutes. The password and MFA methods are not changed.',
    done: (who) => `All sign-in sessions revoked for ${who}.`,
    execute: async (graph, user) => {
      await graph.post({ path: `/users/${user.id}/revokeSignInSessions` });
    },
  },
  {
    intent: 'action.confirmCompromised',
    title: 'Confirm compromised',
    question: (who) => `Mark ${who} as compromised?`,
    effect:
      'Tells ID Protection this account is compromised (POST identityProtection/riskyUsers/confirmCompromised): user risk becomes high, and risk-based Conditional Access policies act on it.',
    done: (who) => `${who} is confirmed compromised; user risk is now high.`,
    execute: async (graph, user) => {
      await graph.post({
        path: '/identityProtection/riskyUsers/confirmCompromised',
        body: { userIds: [user.id] },
      });
    },
  },
  {
    intent: 'action.dismissRisk',
    title: 'Dismiss risk',
    question: (who) => `Dismiss the user risk for ${who}?`,
    effect:
      'Closes the risk on this account as safe (POST identityProtection/riskyUsers/dismiss): user risk becomes none and risk-based policies stop acting on it. Do this only after the investigation has cleared the account.',
    done: (who) => `User risk dismissed for ${who}.`,
    execute: async (graph, user) => {
      await graph.post({ path: '/identityProtection/riskyUsers/dismiss', body: { userIds: [user.id] } });
    },
  },
  {
    intent: 'action.disableUser',
    title: 'Disable account',
    question: (who) => `Disable the account of ${who}?`,
    effect:
      'Blocks all new sign-ins for this user (PATCH /users/{id} accountEnabled=false). Existing sessions are not revoked by this alone; revoke them too to sign the user out now.',
    done: (who) => `The account of ${who} is disabled.`,
    execute: async (graph, user) => {
      await graph.patch({ path: `/users/${user.id}`, body: { accountEnabled: false } });
    },
  },
];

export const remediationFor = (intent: Intent): RemediationAction | undefined =>
  REMEDIATION_ACTIONS.find((action) => action.intent === intent);
