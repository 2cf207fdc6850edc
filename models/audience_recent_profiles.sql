-- One row per resolved profile with an email address and recent activity: a Sakila payment in
-- the last recent_days days of the rental data, or a web shop or app event in the last
-- recent_days days of the Snowplow data. Activity reaches its profile through identity_graph.
with settings as (
    select
        cast({{var "sakila_data_end"}} as timestamp) as sakila_data_end,
        cast({{var "shop_data_end"}} as timestamp) as shop_data_end,
        cast({{var "recent_days"}} as integer) as recent_days
),

-- identity_graph contains normalised values: emails trimmed and lower-cased, ids trimmed.
payment_activity as (
    select graph.profile_id, max(customers.last_payment_at) as last_activity_at
    from {{ref "sakila_customers"}} as customers
    join {{ref "identity_graph"}} as graph
        on graph.identifier_type = 'email'
        and graph.identifier_value = lower(trim(customers.email))
    cross join settings
    where customers.last_payment_at >= {{timestamp_add_days "settings.sakila_data_end" "-settings.recent_days"}}
    group by graph.profile_id
),

-- Each event once per identifier it carries, as the identity model reads them.
shop_identifiers as (
    select 'anonymous_id' as identifier_type, trim(domain_userid) as identifier_value, event_at
    from {{ref "stg_shop_events"}} where domain_userid is not null
    union all
    select 'device_id', trim(device_id), event_at
    from {{ref "stg_shop_events"}} where device_id is not null
    union all
    select 'user_id', trim(user_id), event_at
    from {{ref "stg_shop_events"}} where user_id is not null
    union all
    select 'email', lower(trim(email)), event_at
    from {{ref "stg_shop_events"}} where email is not null
),

shop_activity as (
    select graph.profile_id, max(shop_identifiers.event_at) as last_activity_at
    from shop_identifiers
    join {{ref "identity_graph"}} as graph
        on graph.identifier_type = shop_identifiers.identifier_type
        and graph.identifier_value = shop_identifiers.identifier_value
    cross join settings
    where shop_identifiers.event_at >= {{timestamp_add_days "settings.shop_data_end" "-settings.recent_days"}}
    group by graph.profile_id
),

activity as (
    select profile_id, max(last_activity_at) as last_activity_at
    from (
        select profile_id, last_activity_at from payment_activity
        union all
        select profile_id, cast(last_activity_at as timestamp) from shop_activity
    ) as both_sources
    group by profile_id
)

select
    profiles.profile_id,
    profiles.email,
    profiles.first_name,
    profiles.last_name,
    profiles.identifier_count,
    activity.last_activity_at
from {{ref "profiles"}} as profiles
join activity on activity.profile_id = profiles.profile_id
where profiles.email is not null
