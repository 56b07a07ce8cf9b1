package postgres

// memberTypeExpr is the type the change of a member row reports
// (backend.MemberType, "" meaning "User"): the type of the resource it names,
// else the type stored with the membership.
const memberTypeExpr = `COALESCE((SELECT x.type FROM {s}.resources x WHERE x.tenant = $1 AND x.id = member_id), NULLIF(type, ''), '')`
