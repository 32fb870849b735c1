import { useQuery } from "urql";
import { graphql } from "../gql";
import { Empty, ErrorNotice, Loading } from "../ui";
import { AccessReviewTable } from "./access";

export const MyAccessQuery = graphql(`
  query MyAccess {
    viewer {
      id
      login
      accessReview { ...AccessReviewFields }
    }
  }
`);

export function MyAccess() {
  const [{ data, error, fetching }] = useQuery({ query: MyAccessQuery });
  const review = data?.viewer?.accessReview;
  return (
    <>
      <h1 tabIndex={-1}>Your access review</h1>
      <p className="lead">Per organization: what your SSO account has, and what it still lacks compared with your DOP account (R4).</p>
      <ErrorNotice error={error} />
      {fetching && !data ? <Loading rows={4} /> : null}
      {data && !review ? <Empty>You are not a member of an enterprise yet: there is nothing to compare.</Empty> : null}
      {review ? <AccessReviewTable review={review} /> : null}
    </>
  );
}
