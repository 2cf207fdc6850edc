-- One row per Snowplow e-commerce event, with its action, cart, product, transaction, user and
-- mobile session contexts joined on.
with events as (
    select
        cast(events.event_id as string) as event_id,
        cast(events.app_id as string) as app_id,
        cast(events.platform as string) as platform,
        cast(events.derived_tstamp as timestamp) as event_at,
        cast(events.domain_userid as string) as domain_userid,
        cast(events.domain_sessionid as string) as domain_sessionid
    from {{source "snowplow" "events"}} as events
    -- NOTE: the WHERE also keeps the QUALIFY valid on BigQuery, which has been reported to
    -- require a WHERE, GROUP BY or HAVING clause beside QUALIFY.
    where events.event_id is not null
    -- Snowplow can deliver an event more than once, so only the first copy collected is kept.
    qualify row_number() over (
        partition by events.event_id
        order by cast(events.collector_tstamp as timestamp)
    ) = 1
),

actions as (
    select
        cast(actions.root_id as string) as event_id,
        cast(actions.type as string) as action_type
    from {{source "snowplow" "ecommerce_action"}} as actions
),

carts as (
    select
        cast(carts.root_id as string) as event_id,
        cast(carts.total_value as decimal(12, 2)) as cart_value,
        cast(carts.currency as string) as cart_currency
    from {{source "snowplow" "ecommerce_cart"}} as carts
),

-- An event can carry several products, so the most expensive one represents the event. The
-- category breaks ties, so that every build picks the same product.
products as (
    select
        cast(products.root_id as string) as event_id,
        cast(products.category as string) as product_category
    from {{source "snowplow" "ecommerce_product"}} as products
    where products.root_id is not null
    -- NULLS LAST is spelled out because Snowflake sorts NULL first in a descending order.
    qualify row_number() over (
        partition by products.root_id
        order by
            cast(products.price as decimal(12, 2)) desc nulls last,
            cast(products.category as string) nulls last
    ) = 1
),

transactions as (
    select
        cast(transactions.root_id as string) as event_id,
        cast(transactions.transaction_id as string) as transaction_id,
        cast(transactions.revenue as decimal(12, 2)) as transaction_revenue,
        cast(transactions.currency as string) as transaction_currency
    from {{source "snowplow" "ecommerce_transaction"}} as transactions
),

users as (
    select
        cast(users.root_id as string) as event_id,
        -- The Android demo app sends the literal placeholder ecomm_user_id in place of a real user id.
        nullif(cast(users.id as string), 'ecomm_user_id') as user_id,
        nullif(lower(trim(cast(users.email as string))), '') as email
    from {{source "snowplow" "ecommerce_user"}} as users
),

-- Mobile events have no cookie or web session, so the client session context supplies the
-- session id and the device id.
mobile_sessions as (
    select
        cast(sessions.root_id as string) as event_id,
        cast(sessions.session_id as string) as session_id,
        cast(sessions.user_id as string) as device_id
    from {{source "snowplow" "client_session"}} as sessions
)

select
    events.event_id,
    events.event_at,
    events.app_id,
    events.platform,
    coalesce(events.domain_sessionid, mobile_sessions.session_id) as session_id,
    events.domain_userid,
    mobile_sessions.device_id,
    users.user_id,
    users.email,
    actions.action_type,
    carts.cart_value,
    carts.cart_currency,
    products.product_category,
    transactions.transaction_id,
    transactions.transaction_revenue,
    transactions.transaction_currency
from events
left join actions on actions.event_id = events.event_id
left join carts on carts.event_id = events.event_id
left join products on products.event_id = events.event_id
left join transactions on transactions.event_id = events.event_id
left join users on users.event_id = events.event_id
left join mobile_sessions on mobile_sessions.event_id = events.event_id
