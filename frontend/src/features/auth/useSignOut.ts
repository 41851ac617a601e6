import { useMutation } from 'urql';
import { graphql } from '@/gql';
import { useSession } from './session';

const SignOutDocument = graphql(`
  mutation SignOut {
    signOut
  }
`);

export function useSignOut(): [boolean, () => Promise<void>] {
  const { restart } = useSession();
  const [{ fetching }, signOut] = useMutation(SignOutDocument);
  return [
    fetching,
    async () => {
      await signOut({});
      restart();
    },
  ];
}
