-- One row per Snowplow e-commerce event, with its action, cart, product, transaction, user and
-- mobile session contexts joined on.
with events as (
    select
        cast(events.event_id as varchar) as event_id,
        cast(events.app_id as varchar) as app_id,
        cast(events.platform as varchar) as platform,
        cast(events.derived_tstamp as timestamptz) as event_at,
        cast(events.domain_userid as varchar) as domain_userid,
        cast(events.domain_sessionid as varchar) as domain_sessionid
    from {{source "snowplow" "events"}} as events
    -- Snowplow can deliver an event more than once, so only the first copy collected is kept.
    qualify row_number() over (
        partition by events.event_id
        order by cast(events.collector_tstamp as timestamptz)
    ) = 1
),

actions as (
    select
        cast(actions.root_id as varchar) as event_id,
        cast(actions.type as varchar) as action_type
    from {{source "snowplow" "ecommerce_action"}} as actions
),

carts as (
    select
        cast(carts.root_id as varchar) as event_id,
        cast(carts.total_value as decimal(12, 2)) as cart_value,
        cast(carts.currency as varchar) as cart_currency
    from {{source "snowplow" "ecommerce_cart"}} as carts
),

-- An event can carry several products, so the most expensive one represents the event. The
-- category breaks ties, so that every build picks the same product.
products as (
    select
        cast(products.root_id as varchar) as event_id,
        first(
            cast(products.category as varchar)
            order by cast(products.price as decimal(12, 2)) desc, cast(products.category as varchar)
        ) as product_category
    from {{source "snowplow" "ecommerce_product"}} as products
    group by cast(products.root_id as varchar)
),

transactions as (
    select
        cast(transactions.root_id as varchar) as event_id,
        cast(transactions.transaction_id as varchar) as transaction_id,
        cast(transactions.revenue as decimal(12, 2)) as transaction_revenue,
        cast(transactions.currency as varchar) as transaction_currency
    from {{source "snowplow" "ecommerce_transaction"}} as transactions
),

users as (
    select
        cast(users.root_id as varchar) as event_id,
        -- The Android demo app sends the literal placeholder ecomm_user_id in place of a real user id.
        nullif(cast(users.id as varchar), 'ecomm_user_id') as user_id,
        nullif(lower(trim(cast(users.email as varchar))), '') as email
    from {{source "snowplow" "ecommerce_user"}} as users
),

-- Mobile events have no cookie or web session, so the client session context supplies the
-- session id and the device id.
mobile_sessions as (
    select
        cast(sessions.root_id as varchar) as event_id,
        cast(sessions.session_id as varchar) as session_id,
        cast(sessions.user_id as varchar) as device_id
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
