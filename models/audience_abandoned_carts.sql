-- One row per shopper who left items in a cart and has bought nothing since.
with events as (
    select *
    from {{ref "stg_shop_events"}} as events
    where events.session_id is not null
),

-- A cookie seen on a logged-in event belongs to that user (the latest one, if several) in every session.
cookie_users as (
    select
        domain_userid,
        {{max_by "user_id" "event_at"}} as user_id,
        {{max_by "email" "event_at"}} as email
    from events
    where domain_userid is not null
      and user_id is not null
    group by domain_userid
),

sessions as (
    select
        session_id,
        any_value(domain_userid) as domain_userid,
        any_value(device_id) as device_id,
        {{max_by "user_id" "event_at"}} as user_id,
        {{max_by "email" "event_at"}} as email,
        max(case when action_type in ('add_to_cart', 'checkout_step') then event_at end) as last_cart_activity_at,
        max(case when action_type = 'transaction' then event_at end) as last_purchase_at,
        -- The cart context on add and remove events contains the cart total after the change.
        {{max_by "cart_value" "event_at" where="action_type in ('add_to_cart', 'remove_from_cart')"}} as cart_value,
        {{max_by "cart_currency" "event_at"
            where="action_type in ('add_to_cart', 'remove_from_cart') and cart_value is not null"}} as cart_currency,
        {{max_by "product_category" "event_at" where="action_type = 'add_to_cart'"}} as last_added_category
    from events
    group by session_id
),

shopper_sessions as (
    select
        sessions.*,
        coalesce(sessions.user_id, cookie_users.user_id) as shopper_user_id,
        coalesce(sessions.email, cookie_users.email) as shopper_email,
        case
            when coalesce(sessions.user_id, cookie_users.user_id) is not null
                then 'user:' || coalesce(sessions.user_id, cookie_users.user_id)
            when sessions.domain_userid is not null then 'cookie:' || sessions.domain_userid
            when sessions.device_id is not null then 'device:' || sessions.device_id
        end as shopper_key
    from sessions
    left join cookie_users on cookie_users.domain_userid = sessions.domain_userid
),

abandoned_sessions as (
    select *
    from shopper_sessions
    where last_cart_activity_at is not null
      and (last_purchase_at is null or last_cart_activity_at > last_purchase_at)
      -- Emptying the cart is not abandoning it.
      and cart_value > 0
),

shopper_last_purchase as (
    select
        shopper_key,
        max(last_purchase_at) as last_purchase_at
    from shopper_sessions
    group by shopper_key
),

latest_abandoned_session as (
    select *
    from abandoned_sessions
    where shopper_key is not null
    qualify row_number() over (
        partition by shopper_key
        order by last_cart_activity_at desc
    ) = 1
)

select
    latest_abandoned_session.shopper_key,
    latest_abandoned_session.shopper_user_id as user_id,
    latest_abandoned_session.shopper_email as email,
    latest_abandoned_session.domain_userid,
    latest_abandoned_session.device_id,
    latest_abandoned_session.session_id,
    latest_abandoned_session.last_cart_activity_at as abandoned_at,
    latest_abandoned_session.cart_value,
    latest_abandoned_session.cart_currency,
    latest_abandoned_session.last_added_category
from latest_abandoned_session
left join shopper_last_purchase
    on shopper_last_purchase.shopper_key = latest_abandoned_session.shopper_key
where shopper_last_purchase.last_purchase_at is null
   or latest_abandoned_session.last_cart_activity_at > shopper_last_purchase.last_purchase_at
