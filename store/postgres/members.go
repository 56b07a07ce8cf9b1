package postgres

// memberTypeExpr is the resource type of a member row: the type the client
// gave, else the type of the resource it names (for events, which tell
// users from nested groups).
const memberTypeExpr = `COALESCE((SELECT x.type FROM {s}.resources x WHERE x.tenant = $1 AND x.id = member_id), NULLIF(type, ''), '')`
